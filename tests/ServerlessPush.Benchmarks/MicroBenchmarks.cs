using System.Globalization;
using System.Text;
using System.Buffers;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Metrics;

namespace ServerlessPush.Benchmarks;

/// <summary>
/// The exposition code on its own: text parser, protobuf (delimited) reader, text renderer, over
/// <see cref="Workload.ExpositionText"/> (families of 10 series, three labels each).
/// </summary>
[MemoryDiagnoser]
public class ExpositionBenchmarks
{
    [Params(1_000, 10_000)]
    public int Series { get; set; }

    private byte[] _text = [];
    private byte[] _protobuf = [];
    private List<MetricFamily> _families = [];
    private readonly ArrayBufferWriter<byte> _output = new(4 * 1024 * 1024);

    [GlobalSetup]
    public void Setup()
    {
        _text = Workload.ExpositionText(Series);
        _families = TextFormatParser.Parse(_text);
        _protobuf = ProtobufDelimited.WriteToArray(_families);
    }

    [Benchmark]
    public List<MetricFamily> TextParse() => TextFormatParser.Parse(_text);

    [Benchmark]
    public List<MetricFamily> ProtobufRead() => ProtobufDelimited.Read(_protobuf);

    [Benchmark]
    public int TextWrite()
    {
        // One reused buffer: what is allocated is the writer's own.
        _output.ResetWrittenCount();
        TextFormatWriter.Write(_output, _families);
        return _output.WrittenCount;
    }

    /// <summary>Bytes each benchmark goes through: the text or protobuf input, or the rendered text.</summary>
    public static long BytesFor(string method, int series)
    {
        var text = Workload.ExpositionText(series);
        var families = TextFormatParser.Parse(text);
        return method switch
        {
            nameof(TextParse) => text.Length,
            nameof(ProtobufRead) => ProtobufDelimited.WriteToArray(families).Length,
            _ => Encoding.UTF8.GetByteCount(TextFormatWriter.WriteToString(families)),
        };
    }
}

public static class MicroBenchmarks
{
    public static string Run(string outputDirectory)
    {
        Directory.CreateDirectory(outputDirectory);
        var job = Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("ShortRun-InProcess");
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddLogger(ConsoleLogger.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .WithArtifactsPath(Path.Combine(outputDirectory, "BenchmarkDotNet.Artifacts"))
            .WithOptions(ConfigOptions.DisableOptimizationsValidator | ConfigOptions.JoinSummary);
        var summary = BenchmarkRunner.Run<ExpositionBenchmarks>(config);

        var table = new MarkdownTable("operation", "series", "input MB", "mean ms", "MB/s", "allocated KiB/op", "allocated bytes/series");
        foreach (var report in summary.Reports.OrderBy(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name).ThenBy(r => (int)r.BenchmarkCase.Parameters["Series"]))
        {
            var method = report.BenchmarkCase.Descriptor.WorkloadMethod.Name;
            var series = (int)report.BenchmarkCase.Parameters["Series"];
            if (report.ResultStatistics is null)
            {
                table.Add(method, series, "failed", null, null, null, null);
                continue;
            }
            var bytes = ExpositionBenchmarks.BytesFor(method, series);
            var meanNs = report.ResultStatistics.Mean;
            var allocated = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? 0;
            var name = method switch
            {
                "TextParse" => "TextFormatParser.Parse (text 0.0.4 in)",
                "ProtobufRead" => "ProtobufDelimited.Read (protobuf in)",
                _ => "TextFormatWriter.Write (text out)",
            };
            table.Add(name, series.ToString("N0", CultureInfo.InvariantCulture), bytes / 1e6, meanNs / 1e6, bytes / 1e6 / (meanNs / 1e9), allocated / 1024.0, (double)allocated / series);
        }
        var sb = new StringBuilder();
        sb.Append("### Exposition micro-benchmarks (BenchmarkDotNet ").Append(typeof(BenchmarkRunner).Assembly.GetName().Version)
            .Append(", ShortRun job, in-process toolchain; MB = 10^6 bytes)\n\n");
        sb.Append("Input: families of 10 series with HELP, TYPE and three labels (~100 bytes a series as text).\n\n");
        sb.Append(table);
        var text = sb.ToString();
        File.WriteAllText(Path.Combine(outputDirectory, "micro.md"), text);
        return text;
    }
}
