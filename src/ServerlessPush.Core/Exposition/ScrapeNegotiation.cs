using System.Globalization;
using ServerlessPush.Core.Grouping;

namespace ServerlessPush.Core.Exposition;

/// <summary>
/// Content negotiation for <c>GET /metrics</c>, as client_golang's promhttp handler does it.
/// </summary>
/// <remarks>
/// <para><b>Format</b> (<see cref="NegotiateFormat"/>): the Accept header is parsed and ordered
/// like goautoneg's <c>ParseAccept</c> (the copy inside prometheus/common), then the entries are
/// walked in that order and the first that names a format we write wins:</para>
/// <list type="bullet">
/// <item><c>application/vnd.google.protobuf</c> with <c>proto=io.prometheus.client.MetricFamily</c>
/// and <c>encoding=delimited</c> → protobuf. (<c>encoding=text</c> / <c>compact-text</c>, which the
/// reference also serves, are not offered here: such an entry is skipped.)</item>
/// <item><c>text/plain</c> with <c>version=0.0.4</c> or no version → text 0.0.4
/// (<c>version=1.0.0</c>, which Prometheus 3 offers, is skipped, as expfmt does).</item>
/// <item>Only when <c>openMetrics</c> is on (<c>Gateway:Scrape:OpenMetrics</c>):
/// <c>application/openmetrics-text</c> with <c>version=1.0.0</c>, <c>0.0.1</c> or none →
/// OpenMetrics, always answered as version 1.0.0 (the two versions' text is the same for what
/// we write). This is client_golang's <c>NegotiateIncludingOpenMetrics</c>.</item>
/// <item>Nothing matched (including no Accept header) → text 0.0.4.</item>
/// </list>
/// <para>Off (the default) is expfmt's <c>Negotiate</c>, which the Pushgateway (1.5.1 to 1.11)
/// uses: its promhttp handler never enables OpenMetrics. So Prometheus 2.x/3.x, Alloy and the
/// OpenTelemetry Collector, which all list OpenMetrics first, get text 0.0.4 (counters stay
/// counters, <c>le</c> stays as pushed), and a protobuf-first header (native histograms) gets
/// protobuf. Parameter names and values and media types compare case-sensitively, as in Go;
/// q=0 entries are not excluded (goautoneg does not exclude them either). No <c>escaping=</c>
/// suffix is added (1.5.1's content types).</para>
/// <para><b>Compression</b> (<see cref="NegotiateGzip(System.Collections.Generic.IEnumerable{string?})"/>):
/// the offers are <c>identity</c> then <c>gzip</c> and the gddo <c>NegotiateContentEncoding</c>
/// rule of client_golang ≥ 1.20 (Pushgateway 1.10+) applies: the highest q wins, the earlier offer
/// on a tie, <c>*</c> matches any offer. So <c>gzip</c> → gzip, <c>gzip, identity</c> → identity,
/// <c>*</c> → identity, and when nothing is acceptable the answer is identity (promhttp falls
/// back to it). Pushgateway 1.5.1 instead gzips whenever any entry is <c>gzip</c> or starts with
/// <c>gzip;</c>, even <c>gzip, identity</c> or <c>gzip;q=0</c>.</para>
/// </remarks>
public static class ScrapeNegotiation
{
    private const string ProtoType = "application/vnd.google.protobuf";
    private const string ProtoProtocol = "io.prometheus.client.MetricFamily";
    private const string OpenMetricsType = "application/openmetrics-text";

    /// <summary>Negotiates format, content type and compression from the request headers.</summary>
    /// <param name="accept">The (first) Accept header value; Go's <c>Header.Get</c> reads only the first.</param>
    /// <param name="acceptEncoding">The Accept-Encoding header; several header lines may be joined with <c>,</c>.</param>
    /// <param name="openMetrics">Whether OpenMetrics may be answered (<c>Gateway:Scrape:OpenMetrics</c>; off in the Pushgateway).</param>
    /// <param name="utf8Names">
    /// <c>Gateway:EnableUtf8Names</c>: also negotiate the name escaping as expfmt's <c>NegotiateAccept</c>
    /// (prometheus/common v0.69, Pushgateway 1.11): the scheme starts as <c>underscores</c>; each
    /// entry walked (in goautoneg order) that carries a known <c>escaping=</c> value sets it, up to and
    /// including the entry that picks the format (so an earlier non-matching entry's value carries
    /// over, as upstream); an unknown value is ignored. The content type then ends in
    /// <c>; escaping=&lt;scheme&gt;</c>, as upstream's does.
    /// </param>
    public static ScrapeNegotiationResult Negotiate(string? accept, string? acceptEncoding, bool openMetrics = false, bool utf8Names = false)
    {
        var (format, escaping) = NegotiateFormatAndEscaping(accept, openMetrics);
        var contentType = ContentTypeFor(format);
        if (!utf8Names)
        {
            return new ScrapeNegotiationResult(format, contentType, NegotiateGzip(acceptEncoding));
        }
        return new ScrapeNegotiationResult(format, contentType + "; escaping=" + NameEscaping.ToParameter(escaping), NegotiateGzip(acceptEncoding), escaping);
    }

    public static string ContentTypeFor(ScrapeFormat format) => format switch
    {
        ScrapeFormat.Text004 => TextFormatWriter.ContentType,
        ScrapeFormat.OpenMetrics100 => OpenMetricsWriter.ContentType,
        ScrapeFormat.ProtobufDelimited => ProtobufDelimited.ContentType,
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    /// <summary>The output format for an Accept header value (see the class remarks).</summary>
    public static ScrapeFormat NegotiateFormat(string? accept, bool openMetrics = false) =>
        NegotiateFormatAndEscaping(accept, openMetrics).Format;

    private static (ScrapeFormat Format, NameEscapingScheme Escaping) NegotiateFormatAndEscaping(string? accept, bool openMetrics)
    {
        var escaping = NameEscapingScheme.Underscores;
        foreach (var entry in ParseAccept(accept ?? string.Empty))
        {
            if (entry.Params.TryGetValue("escaping", out var escapingValue) && NameEscaping.TryParse(escapingValue, out var scheme))
            {
                escaping = scheme;
            }
            entry.Params.TryGetValue("version", out var version);
            version ??= string.Empty;
            var mediaType = entry.Type + "/" + entry.SubType;
            if (mediaType == ProtoType
                && entry.Params.TryGetValue("proto", out var proto) && proto == ProtoProtocol
                && entry.Params.TryGetValue("encoding", out var encoding) && encoding == "delimited")
            {
                return (ScrapeFormat.ProtobufDelimited, escaping);
            }
            if (entry.Type == "text" && entry.SubType == "plain" && (version == "0.0.4" || version.Length == 0))
            {
                return (ScrapeFormat.Text004, escaping);
            }
            if (openMetrics && mediaType == OpenMetricsType && (version is "1.0.0" or "0.0.1" || version.Length == 0))
            {
                return (ScrapeFormat.OpenMetrics100, escaping);
            }
        }
        return (ScrapeFormat.Text004, escaping);
    }

    /// <summary>Whether gzip wins for an Accept-Encoding header value.</summary>
    public static bool NegotiateGzip(string? acceptEncoding) =>
        NegotiateGzip(acceptEncoding is null ? [] : [acceptEncoding]);

    /// <summary>Whether gzip wins over identity (gddo <c>NegotiateContentEncoding</c>, offers identity then gzip).</summary>
    public static bool NegotiateGzip(IEnumerable<string?> acceptEncodingValues)
    {
        ArgumentNullException.ThrowIfNull(acceptEncodingValues);
        var specs = new List<(string Value, double Q)>();
        foreach (var line in acceptEncodingValues)
        {
            if (line is not null)
            {
                ParseAcceptSpecs(line, specs);
            }
        }
        var bestOffer = "identity";
        var bestQ = -1.0;
        foreach (var offer in (ReadOnlySpan<string>)["identity", "gzip"])
        {
            foreach (var (value, q) in specs)
            {
                if (q > bestQ && (value == "*" || value == offer))
                {
                    bestQ = q;
                    bestOffer = offer;
                }
            }
        }
        // bestQ == 0 means nothing acceptable; promhttp then answers uncompressed.
        return bestQ != 0 && bestOffer == "gzip";
    }

    internal sealed record AcceptEntry(string Type, string SubType, double Q, Dictionary<string, string> Params);

    /// <summary>goautoneg <c>ParseAccept</c>: parse, then order by its (odd) comparison.</summary>
    internal static List<AcceptEntry> ParseAccept(string header)
    {
        var result = new List<AcceptEntry>();
        foreach (var rawPart in header.Split(','))
        {
            var part = rawPart.Trim(' ');
            var mrp = part.Split(';');
            var sp = mrp[0].Split('/');
            var type = sp[0].Trim(' ');
            string subType;
            if (sp.Length == 1 && type == "*")
            {
                subType = "*";
            }
            else if (sp.Length == 2)
            {
                subType = sp[1].Trim(' ');
            }
            else
            {
                continue;
            }
            var q = 1.0;
            var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 1; i < mrp.Length; i++)
            {
                var eq = mrp[i].IndexOf('=', StringComparison.Ordinal);
                if (eq < 0)
                {
                    continue;
                }
                var token = mrp[i][..eq].Trim(' ');
                var value = mrp[i][(eq + 1)..];
                if (token == "q")
                {
                    q = ParseGoFloat32(value);
                }
                else
                {
                    parameters[token] = value.Trim(' ');
                }
            }
            result.Add(new AcceptEntry(type, subType, q, parameters));
        }

        // Go's sort.Sort on up to 12 elements is an insertion sort; with this Less it is the
        // only faithful way to reproduce the order (Less is not a strict weak ordering).
        for (var i = 1; i < result.Count; i++)
        {
            for (var j = i; j > 0 && Less(result[j], result[j - 1]); j--)
            {
                (result[j], result[j - 1]) = (result[j - 1], result[j]);
            }
        }
        return result;
    }

    private static bool Less(AcceptEntry a, AcceptEntry b)
    {
        if (a.Q > b.Q)
        {
            return true;
        }
        if (a.Type != "*" && b.Type == "*")
        {
            return true;
        }
        return a.SubType != "*" && b.SubType == "*";
    }

    /// <summary><c>strconv.ParseFloat(s, 32)</c> as goautoneg uses it: a syntax error gives 0.</summary>
    private static double ParseGoFloat32(string s)
    {
        if (s.Length == 0 || char.IsWhiteSpace(s[0]) || char.IsWhiteSpace(s[^1]))
        {
            return 0;
        }
        return double.TryParse(s, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var v)
            ? (float)v
            : 0;
    }

    /// <summary>gddo <c>header.ParseAccept</c> for one header line.</summary>
    private static void ParseAcceptSpecs(string s, List<(string Value, double Q)> specs)
    {
        var i = 0;
        while (true)
        {
            var start = i;
            while (i < s.Length && (IsToken(s[i]) || s[i] == '/'))
            {
                i++;
            }
            if (i == start)
            {
                return;
            }
            var value = s[start..i];
            var q = 1.0;
            i = SkipSpace(s, i);
            if (i < s.Length && s[i] == ';')
            {
                i = SkipSpace(s, i + 1);
                if (!(i + 1 < s.Length && s[i] == 'q' && s[i + 1] == '='))
                {
                    return;
                }
                i += 2;
                if (i >= s.Length || (s[i] != '0' && s[i] != '1'))
                {
                    return;
                }
                q = s[i] - '0';
                i++;
                if (i < s.Length && s[i] == '.')
                {
                    i++;
                    long n = 0, d = 1;
                    while (i < s.Length && s[i] is >= '0' and <= '9')
                    {
                        n = unchecked(n * 10 + (s[i] - '0'));
                        d = unchecked(d * 10);
                        i++;
                    }
                    q += (double)n / d;
                }
            }
            specs.Add((value, q));
            i = SkipSpace(s, i);
            if (i >= s.Length || s[i] != ',')
            {
                return;
            }
            i = SkipSpace(s, i + 1);
        }
    }

    private static int SkipSpace(string s, int i)
    {
        while (i < s.Length && s[i] is ' ' or '\t' or '\r' or '\n')
        {
            i++;
        }
        return i;
    }

    private static bool IsToken(char c) =>
        c > 31 && c < 127 && " \t\"(),/:;<=>?@[]\\{}".IndexOf(c, StringComparison.Ordinal) < 0;
}
