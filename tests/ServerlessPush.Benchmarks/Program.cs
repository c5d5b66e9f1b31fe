using System.Globalization;
using ServerlessPush.Benchmarks;

// dotnet run -c Release --project tests/ServerlessPush.Benchmarks -- <load|micro|all> [options]
//   load   Azurite + gateway (separate process) + reference Pushgateway 1.5.1: PUT, scrape, large push,
//          storage requests per operation, sweep. Writes artifacts/benchmarks/load.md.
//   micro  BenchmarkDotNet (in process, short job): text and protobuf parsers, text renderer.
//          Writes artifacts/benchmarks/micro.md.
//   scrape-cpu  the scrape's CPU steps without storage, in memory, at --scrape-levels.
//   push-stages the steps of one large push at --large-series: CPU in memory, then PushAsync over Azurite.
//   all    all three, then artifacts/benchmarks/results.md.
// Options (load): --put-seconds N, --clients N, --put-levels 100,1000,10000,100000, --scrape-levels 100,1000,10000,50000,100000,
//                 --gateway-max-groups 100000, --scrape-runs N, --large-series 10000,100000, --out DIR
var command = args.Length > 0 ? args[0] : "all";
var load = new LoadOptions();
for (var i = 1; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    int[] Ints() => Next().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
    switch (args[i])
    {
        case "--put-seconds": load.PutSeconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--clients": load.Clients = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--put-levels": load.PutLevels = Ints(); break;
        case "--scrape-levels": load.ScrapeLevels = Ints(); break;
        case "--scrape-runs": load.ScrapeRuns = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--large-series": load.LargeSeries = Ints(); break;
        case "--gateway-max-groups": load.GatewayMaxGroups = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--out": load.OutputDirectory = Path.GetFullPath(Next()); break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}

var machine = Machine.Describe();
Console.Error.WriteLine(machine);
switch (command)
{
    case "load":
        Console.WriteLine(await new LoadBenchmark(load).RunAsync());
        break;
    case "azurite-probe":
        Console.WriteLine(await AzuriteProbe.RunAsync(load.PutLevels.Max()));
        break;
    case "push-stages":
        Console.WriteLine(await PushStages.RunAsync(load.LargeSeries));
        break;
    case "scrape-cpu":
        Console.WriteLine(ScrapeCpu.Run(load.ScrapeLevels));
        break;
    case "micro":
        Console.WriteLine(MicroBenchmarks.Run(load.OutputDirectory));
        break;
    case "all":
        var micro = MicroBenchmarks.Run(load.OutputDirectory) + "\n" + ScrapeCpu.Run(load.ScrapeLevels);
        var loadReport = await new LoadBenchmark(load).RunAsync();
        var all = $"## Run of {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC\n\n{machine}\n{loadReport}\n{micro}\n\nAfter the run: {Machine.LoadAverage()}\n";
        var path = Path.Combine(load.OutputDirectory, "results.md");
        await File.WriteAllTextAsync(path, all);
        Console.WriteLine(all);
        Console.Error.WriteLine($"Wrote {path}");
        break;
    default:
        Console.Error.WriteLine("usage: ServerlessPush.Benchmarks <load|micro|all> [options]");
        return 2;
}
return 0;
