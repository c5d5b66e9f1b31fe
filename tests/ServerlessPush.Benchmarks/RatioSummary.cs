using System.Globalization;
using System.Text;

namespace ServerlessPush.Benchmarks;

/// <summary>
/// The one line a reader checks the targets with: per level, ServerlessPush over the reference (below
/// 1 = faster), and the PUT also over its floor, one Azurite upsert at the same concurrency and size.
/// </summary>
public sealed class RatioSummary
{
    private readonly SortedDictionary<int, (double? Ours, double? Reference)> _put = [];
    private readonly SortedDictionary<int, double> _floor = [];
    private readonly SortedDictionary<int, (double? Ours, double? Reference)> _scrape = [];
    private readonly SortedDictionary<int, (double? Ours, double? Reference)> _bytesPerSeries = [];
    private readonly SortedDictionary<int, (double? Ours, double? Reference)> _large = [];
    private readonly SortedDictionary<int, double> _firstScrape = [];
    private readonly SortedDictionary<int, (double? Ours, double? Reference)> _newGroupPut = [];

    public void Put(int groups, bool ours, double? p50Ms) => Set(_put, groups, ours, p50Ms);

    public void NewGroupPut(int groups, bool ours, double? p50Ms) => Set(_newGroupPut, groups, ours, p50Ms);

    public void Floor(int groups, double upsertP50Ms) => _floor[groups] = upsertP50Ms;

    public void Scrape(int groups, bool ours, double medianSeconds, double peakBytesPerSeries)
    {
        Set(_scrape, groups, ours, medianSeconds);
        Set(_bytesPerSeries, groups, ours, peakBytesPerSeries);
    }

    public void LargePush(int series, bool ours, double? ms) => Set(_large, series, ours, ms);

    public void FirstScrape(int groups, double seconds) => _firstScrape[groups] = seconds;

    public override string ToString()
    {
        var line = new StringBuilder();
        line.Append("PUT p50 ").AppendJoin(", ", _put.Select(p =>
            $"{N(p.Key)}: {Ratio(p.Value.Ours, p.Value.Reference)}" +
            (_floor.TryGetValue(p.Key, out var floor) ? $" / {Ratio(p.Value.Ours, floor)} floor" : "")));
        line.Append("; sequential PUT to new groups ").AppendJoin(", ", _newGroupPut.Select(p => $"{N(p.Key)}: {Ratio(p.Value.Ours, p.Value.Reference)}"));
        line.Append("; scrape ").AppendJoin(", ", _scrape.Select(p => $"{N(p.Key)}: {Ratio(p.Value.Ours, p.Value.Reference)}"));
        line.Append("; first scrape on a fresh instance ").AppendJoin(", ", _firstScrape.Select(p => $"{N(p.Key)}: {p.Value.ToString("0.00", CultureInfo.InvariantCulture)} s"));
        line.Append("; one push of ").AppendJoin(", ", _large.Select(p => $"{N(p.Key)} series: {Ratio(p.Value.Ours, p.Value.Reference)}"));
        line.Append("; peak RSS per series ").AppendJoin(", ", _bytesPerSeries.Select(p => $"{N(p.Key)}: {Ratio(p.Value.Ours, p.Value.Reference)}"));
        return line.ToString();
    }

    private static void Set(SortedDictionary<int, (double? Ours, double? Reference)> map, int key, bool ours, double? value)
    {
        map.TryGetValue(key, out var pair);
        map[key] = ours ? pair with { Ours = value } : pair with { Reference = value };
    }

    private static string Ratio(double? ours, double? other) =>
        ours is { } o && other is { } r && r > 0
            // Two significant digits below 0.1 (the reference's PUT at 10,000 groups is ~1,000× slower).
            ? (o / r < 0.1 ? (o / r).ToString("G2", CultureInfo.InvariantCulture) : (o / r).ToString("0.00", CultureInfo.InvariantCulture)) + "×"
            : "–";

    private static string N(int n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
