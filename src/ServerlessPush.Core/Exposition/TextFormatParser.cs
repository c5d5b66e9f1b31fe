using System.Text;
using System.Text.Unicode;
using ServerlessPush.Core.Metrics;

namespace ServerlessPush.Core.Exposition;

/// <summary>
/// Parser for the Prometheus text exposition format 0.0.4 that behaves like the parser used by
/// the reference Pushgateway 1.5.1 (prometheus/common expfmt TextParser, v0.37–v0.39, with the
/// legacy name rules): same accepted inputs, same resulting families, same error messages and
/// line numbers.
/// </summary>
/// <remarks>
/// Behaviour worth knowing (all shared with the reference):
/// <list type="bullet">
/// <item>Every line, including the last, must end in LF; a trailing line of only blanks/tabs is fine.</item>
/// <item>Samples are matched to a family by exact name first; <c>_sum</c>/<c>_count</c> go to a base
/// family already declared summary, and <c>_sum</c>/<c>_count</c>/<c>_bucket</c> to one already declared
/// histogram. Otherwise the sample starts (or joins) its own family, untyped unless typed before.</item>
/// <item>Summary/histogram lines that carry nothing usable still create the series, with empty data.</item>
/// <item>A timestamp is kept in <see cref="Metric.TimestampMs"/>; rejecting it is the caller's job.</item>
/// <item>Families without samples are dropped. The result lists families in order of creation.</item>
/// <item>HELP text is not checked for UTF-8; invalid sequences become U+FFFD in the .NET string.</item>
/// </list>
/// Only <see cref="ExpositionFormatException"/> is thrown.
/// </remarks>
public static class TextFormatParser
{
    public static List<MetricFamily> Parse(byte[] utf8)
    {
        ArgumentNullException.ThrowIfNull(utf8);
        return Parse(utf8.AsSpan());
    }

    public static List<MetricFamily> Parse(ReadOnlyMemory<byte> utf8) => Parse(utf8.Span);

    public static List<MetricFamily> Parse(ReadOnlySpan<byte> utf8) => Parse(utf8, int.MaxValue);

    /// <summary>
    /// Parses, giving up (with <see cref="ExpositionFormatException.LimitExceeded"/>) as soon as the
    /// body creates more than <paramref name="maxSeries"/> series or families, so a large body of
    /// tiny lines cannot build an object graph many times its own size.
    /// </summary>
    public static List<MetricFamily> Parse(ReadOnlySpan<byte> utf8, int maxSeries) => Parse(utf8, maxSeries, utf8Names: false);

    /// <summary>
    /// As <see cref="Parse(ReadOnlySpan{byte}, int)"/>; with <paramref name="utf8Names"/>
    /// (<c>Gateway:EnableUtf8Names</c>) names follow prometheus/common's UTF-8 rules as Pushgateway
    /// 1.11 parses them: a metric or label name may be quoted (<c>"my.metric"</c>, escapes <c>\\</c>,
    /// <c>\"</c>, <c>\n</c>) and is then any non-empty UTF-8, and the metric name may stand first inside
    /// the braces (<c>{"my.metric","service.name"="x"} 1</c>). Unlike upstream, a quoted metric name
    /// inside braces must be the first item (upstream also takes it after labels).
    /// </summary>
    public static List<MetricFamily> Parse(ReadOnlySpan<byte> utf8, int maxSeries, bool utf8Names)
    {
        var parser = new Parser(utf8, maxSeries, utf8Names);
        return parser.Run();
    }

    /// <summary>A family under construction. The type stays null until a TYPE line or the first sample.</summary>
    private sealed class Family
    {
        public Family(string name)
        {
            Proto = new MetricFamily { Name = name };
        }

        public readonly MetricFamily Proto;
        public MetricType? Type;

        /// <summary>Summary or histogram series by their label set (without quantile/le).</summary>
        public Dictionary<string, Metric>? Series;
    }

    /// <summary>How a sample/comment name maps to a family; stable once computed.</summary>
    private sealed class Resolution
    {
        public Resolution(Family family, bool isCount, bool isSum)
        {
            Family = family;
            IsCount = isCount;
            IsSum = isSum;
        }

        public readonly Family Family;
        public readonly bool IsCount;
        public readonly bool IsSum;
    }

    private ref struct Parser
    {
        private const string QuantileLabel = "quantile";
        private const string BucketLabel = "le";
        private const string MetricNameLabel = "__name__";
        private const int SmallLabelCount = 16;

        private readonly ReadOnlySpan<byte> _in;
        private int _pos;          // index of the next unread byte
        private byte _cur;         // most recently read byte (_in[_pos - 1])
        private int _line;

        private readonly List<Family> _families = new();
        private readonly Dictionary<string, Family> _byName = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Resolution> _resolutions = new(StringComparer.Ordinal);
        private readonly StringCache _strings = new();

        // Last resolved sample name, to skip the dictionary for consecutive samples of one family.
        private byte[] _lastName = Array.Empty<byte>();
        private int _lastNameLength;
        private Resolution? _lastResolution;

        private byte[] _scratch = new byte[256];
        private int _scratchLength;

        // Per-sample state.
        private Resolution _res = null!;
        private Metric _metric = null!;
        private LabelPair _labelPair = null!;
        private readonly List<KeyValuePair<string, string>> _sigLabels = new();
        private HashSet<string>? _labelNameSet;
        private double _quantile;
        private double _bucket;
        private readonly StringBuilder _sigBuilder = new();

        private readonly int _maxSeries;
        private int _series;

        private readonly bool _utf8Names;

        public Parser(ReadOnlySpan<byte> input, int maxSeries, bool utf8Names)
        {
            _utf8Names = utf8Names;
            _maxSeries = maxSeries;
            _series = 0;
            _in = input;
            _pos = 0;
            _cur = 0;
            _line = 0;
            _quantile = double.NaN;
            _bucket = double.NaN;
        }

        private readonly Family Fam => _res.Family;

        public List<MetricFamily> Run()
        {
            while (StartOfLine())
            {
            }
            var result = new List<MetricFamily>(_families.Count);
            foreach (var f in _families)
            {
                if (f.Proto.Metric.Count > 0)
                {
                    result.Add(f.Proto);
                }
            }
            return result;
        }

        // ---- errors ----------------------------------------------------------------------

        private readonly ExpositionFormatException Error(string message) =>
            new($"text format parsing error in line {_line}: {message}", _line);

        private readonly ExpositionFormatException LimitError(string message) =>
            new(message, _line) { LimitExceeded = true };

        private void CountSeries()
        {
            if (++_series > _maxSeries)
            {
                throw LimitError($"push has more than the limit of {_maxSeries} series");
            }
        }

        private readonly ExpositionFormatException UnexpectedEnd() => Error("unexpected end of input stream");

        // ---- byte reading ----------------------------------------------------------------

        /// <summary>Reads the next byte into _cur; false at the end of input.</summary>
        private bool ReadByte()
        {
            if (_pos < _in.Length)
            {
                _cur = _in[_pos++];
                return true;
            }
            _cur = 0;
            return false;
        }

        private static bool IsBlankOrTab(byte b) => b == (byte)' ' || b == (byte)'\t';

        /// <summary>Reads bytes until one that is not blank or tab (left in _cur). False at end of input.</summary>
        private bool SkipBlankTab()
        {
            while (ReadByte())
            {
                if (!IsBlankOrTab(_cur))
                {
                    return true;
                }
            }
            return false;
        }

        private void SkipBlankTabIfCurrentBlankTab()
        {
            if (IsBlankOrTab(_cur) && !SkipBlankTab())
            {
                throw UnexpectedEnd();
            }
        }

        /// <summary>
        /// The token starting at _cur and ending before the next blank, tab or LF, which is left
        /// in _cur. Throws at end of input.
        /// </summary>
        private ReadOnlySpan<byte> ReadTokenUntilWhitespace()
        {
            int start = _pos - 1;
            if (IsBlankOrTab(_cur) || _cur == (byte)'\n')
            {
                return ReadOnlySpan<byte>.Empty;
            }
            int rel = _in[_pos..].IndexOfAny((byte)' ', (byte)'\t', (byte)'\n');
            if (rel < 0)
            {
                _pos = _in.Length;
                _cur = 0;
                throw UnexpectedEnd();
            }
            _pos += rel;
            _cur = _in[_pos++];
            return _in[start..(_pos - 1)];
        }

        /// <summary>
        /// The rest of the line starting at _cur, LF excluded (left in _cur). With escapes,
        /// <c>\\</c> and <c>\n</c> are decoded and any other escape is an error; without, every
        /// backslash is dropped (as the reference does). Result lives in the scratch buffer.
        /// </summary>
        private ReadOnlySpan<byte> ReadTokenUntilNewline(bool recognizeEscapes)
        {
            _scratchLength = 0;
            bool escaped = false;
            while (true)
            {
                if (recognizeEscapes && escaped)
                {
                    switch (_cur)
                    {
                        case (byte)'\\':
                            AppendScratch((byte)'\\');
                            break;
                        case (byte)'n':
                            AppendScratch((byte)'\n');
                            break;
                        default:
                            throw Error($"invalid escape sequence '\\{GoText.CharOfByte(_cur)}'");
                    }
                    escaped = false;
                }
                else
                {
                    switch (_cur)
                    {
                        case (byte)'\n':
                            return _scratch.AsSpan(0, _scratchLength);
                        case (byte)'\\':
                            escaped = true;
                            break;
                        default:
                            // Copy the run of ordinary bytes in one go.
                            int start = _pos - 1;
                            int rel = _in[_pos..].IndexOfAny((byte)'\n', (byte)'\\');
                            int end = rel < 0 ? _in.Length : _pos + rel;
                            AppendScratch(_in[start..end]);
                            _pos = end;
                            break;
                    }
                }
                if (!ReadByte())
                {
                    throw UnexpectedEnd();
                }
            }
        }

        private ReadOnlySpan<byte> ReadTokenAsMetricName()
        {
            if (_utf8Names && _cur == (byte)'"')
            {
                return ReadQuotedName("metric name");
            }
            int start = _pos - 1;
            if (!IsMetricNameStart(_cur))
            {
                return ReadOnlySpan<byte>.Empty;
            }
            while (true)
            {
                if (!ReadByte())
                {
                    throw UnexpectedEnd();
                }
                if (!IsMetricNameContinuation(_cur))
                {
                    return _in[start..(_pos - 1)];
                }
            }
        }

        private ReadOnlySpan<byte> ReadTokenAsLabelName()
        {
            if (_utf8Names && _cur == (byte)'"')
            {
                return ReadQuotedName("label name");
            }
            int start = _pos - 1;
            if (!IsLabelNameStart(_cur))
            {
                return ReadOnlySpan<byte>.Empty;
            }
            while (true)
            {
                if (!ReadByte())
                {
                    throw UnexpectedEnd();
                }
                if (!IsLabelNameContinuation(_cur))
                {
                    return _in[start..(_pos - 1)];
                }
            }
        }

        /// <summary>
        /// Reads a quoted label value; _cur is the opening quote. On return _cur is the closing
        /// quote. The result is a slice of the input when there are no escapes, else scratch.
        /// </summary>
        private ReadOnlySpan<byte> ReadTokenAsLabelValue()
        {
            int start = _pos;
            int rel = _in[_pos..].IndexOfAny((byte)'"', (byte)'\\', (byte)'\n');
            if (rel >= 0 && _in[_pos + rel] == (byte)'"')
            {
                _pos += rel + 1;
                _cur = (byte)'"';
                return _in[start..(_pos - 1)];
            }

            return ReadEscapedToQuote("label value");
        }

        /// <summary>
        /// A quoted name; _cur is the opening quote. On return _cur is the byte after the closing
        /// quote. The result is in scratch (the caller turns it into a string before the next token).
        /// </summary>
        private ReadOnlySpan<byte> ReadQuotedName(string what)
        {
            var name = ReadEscapedToQuote(what);
            if (!ReadByte())
            {
                throw UnexpectedEnd();
            }
            if (!name.IsEmpty && !Utf8.IsValid(name))
            {
                throw Error($"invalid {what} {GoText.Quote(name)}");
            }
            return name;
        }

        /// <summary>
        /// The rest of a quoted string with its escapes (<c>\"</c>, <c>\\</c>, <c>\n</c>) undone, into
        /// scratch; _pos is just past the opening quote. On return _cur is the closing quote. Errors
        /// name <paramref name="what"/> was being read (a label value, a metric name), as the reference's do.
        /// </summary>
        private ReadOnlySpan<byte> ReadEscapedToQuote(string what)
        {
            _scratchLength = 0;
            bool escaped = false;
            while (true)
            {
                if (!ReadByte())
                {
                    throw UnexpectedEnd();
                }
                if (escaped)
                {
                    switch (_cur)
                    {
                        case (byte)'"':
                        case (byte)'\\':
                            AppendScratch(_cur);
                            break;
                        case (byte)'n':
                            AppendScratch((byte)'\n');
                            break;
                        default:
                            throw Error($"invalid escape sequence '\\{GoText.CharOfByte(_cur)}'");
                    }
                    escaped = false;
                    continue;
                }
                switch (_cur)
                {
                    case (byte)'"':
                        return _scratch.AsSpan(0, _scratchLength);
                    case (byte)'\n':
                        throw Error($"{what} {GoText.Quote(_scratch.AsSpan(0, _scratchLength))} contains unescaped new-line");
                    case (byte)'\\':
                        escaped = true;
                        break;
                    default:
                        int runStart = _pos - 1;
                        int r = _in[_pos..].IndexOfAny((byte)'"', (byte)'\\', (byte)'\n');
                        int end = r < 0 ? _in.Length : _pos + r;
                        AppendScratch(_in[runStart..end]);
                        _pos = end;
                        break;
                }
            }
        }

        private void AppendScratch(byte b)
        {
            if (_scratchLength == _scratch.Length)
            {
                Array.Resize(ref _scratch, _scratch.Length * 2);
            }
            _scratch[_scratchLength++] = b;
        }

        private void AppendScratch(ReadOnlySpan<byte> bytes)
        {
            if (_scratchLength + bytes.Length > _scratch.Length)
            {
                Array.Resize(ref _scratch, Math.Max(_scratch.Length * 2, _scratchLength + bytes.Length));
            }
            bytes.CopyTo(_scratch.AsSpan(_scratchLength));
            _scratchLength += bytes.Length;
        }

        // ---- states ----------------------------------------------------------------------

        /// <summary>Starts a line. Returns false when the input ended cleanly.</summary>
        private bool StartOfLine()
        {
            _line++;
            if (!SkipBlankTab())
            {
                return false;
            }
            switch (_cur)
            {
                case (byte)'#':
                    StartComment();
                    break;
                case (byte)'\n':
                    break;
                case (byte)'{' when _utf8Names:
                    ReadingNameInsideBraces();
                    break;
                default:
                    ReadingMetricName();
                    break;
            }
            return true;
        }

        private void StartComment()
        {
            if (!SkipBlankTab())
            {
                throw UnexpectedEnd();
            }
            if (_cur == (byte)'\n')
            {
                return;
            }
            var keywordToken = ReadTokenUntilWhitespace();
            if (_cur == (byte)'\n')
            {
                return;
            }
            bool isHelp = keywordToken.SequenceEqual("HELP"u8);
            bool isType = !isHelp && keywordToken.SequenceEqual("TYPE"u8);
            if (!isHelp && !isType)
            {
                // Any other comment: skip to the end of the line.
                int rel = _in[_pos..].IndexOf((byte)'\n');
                if (rel < 0)
                {
                    _pos = _in.Length;
                    _cur = 0;
                    throw UnexpectedEnd();
                }
                _pos += rel + 1;
                _cur = (byte)'\n';
                return;
            }
            if (!SkipBlankTab())
            {
                throw UnexpectedEnd();
            }
            var name = ReadTokenAsMetricName();
            if (_cur == (byte)'\n')
            {
                return;
            }
            if (!IsBlankOrTab(_cur))
            {
                throw Error("invalid metric name in comment");
            }
            SetOrCreateCurrentFamily(name);
            if (!SkipBlankTab())
            {
                throw UnexpectedEnd();
            }
            if (_cur == (byte)'\n')
            {
                return;
            }
            if (isHelp)
            {
                ReadingHelp();
            }
            else
            {
                ReadingType();
            }
        }

        private void ReadingHelp()
        {
            var fam = Fam;
            if (fam.Proto.HasHelp)
            {
                throw Error($"second HELP line for metric name {GoText.Quote(Encoding.UTF8.GetBytes(fam.Proto.Name))}");
            }
            var help = ReadTokenUntilNewline(recognizeEscapes: true);
            fam.Proto.Help = Encoding.UTF8.GetString(help);
        }

        private void ReadingType()
        {
            var fam = Fam;
            if (fam.Type is not null)
            {
                throw Error($"second TYPE line for metric name {GoText.Quote(Encoding.UTF8.GetBytes(fam.Proto.Name))}, or TYPE reported after samples");
            }
            var token = ReadTokenUntilNewline(recognizeEscapes: false);
            if (!TryParseType(token, out var type))
            {
                throw Error($"unknown metric type {GoText.Quote(token)}");
            }
            fam.Type = type;
            fam.Proto.Type = type;
        }

        private void ReadingMetricName()
        {
            var name = ReadTokenAsMetricName();
            if (name.IsEmpty)
            {
                throw Error("invalid metric name");
            }
            SetOrCreateCurrentFamily(name);
            var fam = Fam;
            if (fam.Type is null)
            {
                fam.Type = MetricType.Untyped;
                fam.Proto.Type = MetricType.Untyped;
            }
            _metric = new Metric();
            SkipBlankTabIfCurrentBlankTab();
            ReadingLabels();
        }

        /// <summary><c>{"name"…</c>: the metric name is the first item inside the braces (_cur is the brace).</summary>
        private void ReadingNameInsideBraces()
        {
            if (!SkipBlankTab())
            {
                throw UnexpectedEnd();
            }
            var name = ReadTokenAsMetricName();
            if (name.IsEmpty)
            {
                throw Error("invalid metric name");
            }
            SetOrCreateCurrentFamily(name);
            var fam = Fam;
            if (fam.Type is null)
            {
                fam.Type = MetricType.Untyped;
                fam.Proto.Type = MetricType.Untyped;
            }
            _metric = new Metric();
            SkipBlankTabIfCurrentBlankTab();
            if (_cur != (byte)',' && _cur != (byte)'}')
            {
                throw Error($"unexpected end of metric name {GoText.QuoteByte(_cur)}");
            }
            var closed = _cur == (byte)'}';
            ResetLabelState();
            if (closed)
            {
                if (!SkipBlankTab())
                {
                    throw UnexpectedEnd();
                }
            }
            else
            {
                while (StartLabelName())
                {
                }
            }
            ReadingValue();
        }

        private void ResetLabelState()
        {
            var type = Fam.Type;
            if (type == MetricType.Summary || type == MetricType.Histogram)
            {
                _sigLabels.Clear();
                _quantile = double.NaN;
                _bucket = double.NaN;
            }
        }

        private void ReadingLabels()
        {
            var type = Fam.Type;
            if (type == MetricType.Summary || type == MetricType.Histogram)
            {
                _sigLabels.Clear();
                _quantile = double.NaN;
                _bucket = double.NaN;
            }
            if (_cur != (byte)'{')
            {
                ReadingValue();
                return;
            }
            // Label list: each round reads one label; the closing brace ends the loop.
            while (StartLabelName())
            {
            }
            ReadingValue();
        }

        /// <summary>Reads one label name and its value. Returns false when the closing brace was read.</summary>
        private bool StartLabelName()
        {
            if (!SkipBlankTab())
            {
                throw UnexpectedEnd();
            }
            if (_cur == (byte)'}')
            {
                if (!SkipBlankTab())
                {
                    throw UnexpectedEnd();
                }
                return false;
            }
            var nameToken = ReadTokenAsLabelName();
            var fam = Fam;
            if (nameToken.IsEmpty)
            {
                throw Error($"invalid label name for metric {GoText.Quote(Encoding.UTF8.GetBytes(fam.Proto.Name))}");
            }
            string labelName = _strings.Get(nameToken);
            if (labelName == MetricNameLabel)
            {
                throw Error("label name \"__name__\" is reserved");
            }
            _labelPair = new LabelPair { Name = labelName };
            var type = fam.Type;
            bool appended = false;
            if (!(type == MetricType.Summary && labelName == QuantileLabel) &&
                !(type == MetricType.Histogram && labelName == BucketLabel))
            {
                _metric.Label.Add(_labelPair);
                appended = true;
            }
            SkipBlankTabIfCurrentBlankTab();
            if (_cur != (byte)'=')
            {
                throw Error($"expected '=' after label name, found {GoText.QuoteByte(_cur)}");
            }
            if (appended && HasDuplicateOfLast())
            {
                throw Error($"duplicate label names for metric {GoText.Quote(Encoding.UTF8.GetBytes(fam.Proto.Name))}");
            }
            return StartLabelValue();
        }

        /// <summary>Whether the label just appended repeats an earlier name of this sample.</summary>
        private bool HasDuplicateOfLast()
        {
            var labels = _metric.Label;
            int n = labels.Count;
            string last = labels[n - 1].Name;
            if (n <= SmallLabelCount)
            {
                for (int i = 0; i < n - 1; i++)
                {
                    if (labels[i].Name == last)
                    {
                        return true;
                    }
                }
                return false;
            }
            if (n == SmallLabelCount + 1 || _labelNameSet is null)
            {
                _labelNameSet ??= new HashSet<string>(StringComparer.Ordinal);
                _labelNameSet.Clear();
                for (int i = 0; i < n - 1; i++)
                {
                    _labelNameSet.Add(labels[i].Name);
                }
            }
            return !_labelNameSet.Add(last);
        }

        /// <summary>Reads a label value. Returns true if another label follows, false after the closing brace.</summary>
        private bool StartLabelValue()
        {
            if (!SkipBlankTab())
            {
                throw UnexpectedEnd();
            }
            if (_cur != (byte)'"')
            {
                throw Error($"expected '\"' at start of label value, found {GoText.QuoteByte(_cur)}");
            }
            var raw = ReadTokenAsLabelValue();
            if (!Utf8.IsValid(raw))
            {
                throw Error($"invalid label value {GoText.Quote(raw)}");
            }
            string value = _strings.Get(raw);
            _labelPair.Value = value;
            string name = _labelPair.Name;
            var type = Fam.Type;
            if (type == MetricType.Summary)
            {
                if (name == QuantileLabel)
                {
                    if (!GoText.TryParseFloat(raw, out _quantile))
                    {
                        throw Error($"expected float as value for 'quantile' label, got {GoText.Quote(raw)}");
                    }
                }
                else
                {
                    _sigLabels.Add(new(name, value));
                }
            }
            else if (type == MetricType.Histogram)
            {
                if (name == BucketLabel)
                {
                    if (!GoText.TryParseFloat(raw, out _bucket))
                    {
                        throw Error($"expected float as value for 'le' label, got {GoText.Quote(raw)}");
                    }
                }
                else
                {
                    _sigLabels.Add(new(name, value));
                }
            }
            if (!SkipBlankTab())
            {
                throw UnexpectedEnd();
            }
            switch (_cur)
            {
                case (byte)',':
                    return true;
                case (byte)'}':
                    if (!SkipBlankTab())
                    {
                        throw UnexpectedEnd();
                    }
                    return false;
                default:
                    throw Error($"unexpected end of label value {GoText.Quote(Encoding.UTF8.GetBytes(value))}");
            }
        }

        private void ReadingValue()
        {
            var fam = Fam;
            var type = fam.Type;
            if (type == MetricType.Summary || type == MetricType.Histogram)
            {
                fam.Series ??= new Dictionary<string, Metric>(StringComparer.Ordinal);
                string key = SignatureKey();
                if (fam.Series.TryGetValue(key, out var existing))
                {
                    _metric = existing;
                }
                else
                {
                    CountSeries();
                    fam.Series.Add(key, _metric);
                    fam.Proto.Metric.Add(_metric);
                }
            }
            else
            {
                CountSeries();
                fam.Proto.Metric.Add(_metric);
            }

            var token = ReadTokenUntilWhitespace();
            if (!GoText.TryParseFloat(token, out double value))
            {
                throw Error($"expected float as value, got {GoText.Quote(token)}");
            }
            switch (type)
            {
                case MetricType.Counter:
                    _metric.Counter = new Counter { Value = value };
                    break;
                case MetricType.Gauge:
                    _metric.Gauge = new Gauge { Value = value };
                    break;
                case MetricType.Untyped:
                    _metric.Untyped = new Untyped { Value = value };
                    break;
                case MetricType.Summary:
                    var summary = _metric.Summary ??= new Summary();
                    if (_res.IsCount)
                    {
                        summary.SampleCount = GoText.Float64ToUint64(value);
                    }
                    else if (_res.IsSum)
                    {
                        summary.SampleSum = value;
                    }
                    else if (!double.IsNaN(_quantile))
                    {
                        summary.Quantile.Add(new Quantile { Quantile_ = _quantile, Value = value });
                    }
                    break;
                case MetricType.Histogram:
                    var histogram = _metric.Histogram ??= new Histogram();
                    if (_res.IsCount)
                    {
                        histogram.SampleCount = GoText.Float64ToUint64(value);
                    }
                    else if (_res.IsSum)
                    {
                        histogram.SampleSum = value;
                    }
                    else if (!double.IsNaN(_bucket))
                    {
                        histogram.Bucket.Add(new Bucket { UpperBound = _bucket, CumulativeCount = GoText.Float64ToUint64(value) });
                    }
                    break;
                default:
                    // GAUGE_HISTOGRAM (accepted by TYPE): the reference records an error here that
                    // the next read overwrites, so the series stays, without a value.
                    break;
            }
            if (_cur == (byte)'\n')
            {
                return;
            }
            StartTimestamp();
        }

        private void StartTimestamp()
        {
            if (!SkipBlankTab())
            {
                throw UnexpectedEnd();
            }
            var token = ReadTokenUntilWhitespace();
            if (!GoText.TryParseInt64(token, out long timestamp))
            {
                throw Error($"expected integer as timestamp, got {GoText.Quote(token)}");
            }
            _metric.TimestampMs = timestamp;
            var rest = ReadTokenUntilNewline(recognizeEscapes: false);
            if (!rest.IsEmpty)
            {
                throw Error($"spurious string after timestamp: {GoText.Quote(rest)}");
            }
        }

        // ---- families --------------------------------------------------------------------

        private void SetOrCreateCurrentFamily(ReadOnlySpan<byte> name)
        {
            if (_lastResolution is not null && name.SequenceEqual(_lastName.AsSpan(0, _lastNameLength)))
            {
                _res = _lastResolution;
                return;
            }
            string nameString = _strings.Get(name);
            if (!_resolutions.TryGetValue(nameString, out var res))
            {
                res = Resolve(nameString);
                // A resolution never changes afterwards: exact matches win, types are never
                // changed once set, and a fallback hit means no exact family will be created.
                _resolutions.Add(nameString, res);
            }
            _res = res;
            if (_lastName.Length < name.Length)
            {
                _lastName = new byte[Math.Max(name.Length, 64)];
            }
            name.CopyTo(_lastName);
            _lastNameLength = name.Length;
            _lastResolution = res;
        }

        private Resolution Resolve(string name)
        {
            if (_byName.TryGetValue(name, out var family))
            {
                return new Resolution(family, false, false);
            }
            bool isCount = name.Length > 6 && name.EndsWith("_count", StringComparison.Ordinal);
            bool isSum = name.Length > 4 && name.EndsWith("_sum", StringComparison.Ordinal);
            bool isBucket = name.Length > 7 && name.EndsWith("_bucket", StringComparison.Ordinal);
            if (isCount || isSum)
            {
                string baseName = name[..^(isCount ? 6 : 4)];
                if (_byName.TryGetValue(baseName, out family) &&
                    (family.Type == MetricType.Summary || family.Type == MetricType.Histogram))
                {
                    return new Resolution(family, isCount, isSum);
                }
            }
            else if (isBucket)
            {
                if (_byName.TryGetValue(name[..^7], out family) && family.Type == MetricType.Histogram)
                {
                    return new Resolution(family, false, false);
                }
            }
            if (_families.Count >= _maxSeries)
            {
                throw LimitError($"push declares more than the limit of {_maxSeries} metric families");
            }
            family = new Family(name);
            _byName.Add(name, family);
            _families.Add(family);
            return new Resolution(family, false, false);
        }

        /// <summary>The label set of a summary/histogram line (quantile/le excluded), order-free.</summary>
        private readonly string SignatureKey()
        {
            var labels = _sigLabels;
            if (labels.Count == 0)
            {
                return string.Empty;
            }
            if (labels.Count > 1)
            {
                labels.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            }
            var sb = _sigBuilder;
            sb.Clear();
            foreach (var kv in labels)
            {
                // Names are ASCII and the value is length-prefixed, so the key is unambiguous.
                sb.Append(kv.Key).Append('\uffff').Append(kv.Value.Length).Append('\uffff').Append(kv.Value);
            }
            return sb.ToString();
        }

        private static bool TryParseType(ReadOnlySpan<byte> token, out MetricType type)
        {
            // Go upper-cases with strings.ToUpper, under which U+0131 and U+017F become I and S.
            Span<byte> upper = stackalloc byte[16];
            int n = 0;
            type = default;
            var rest = token;
            while (!rest.IsEmpty)
            {
                if (n == upper.Length)
                {
                    return false;
                }
                byte b = rest[0];
                if (b < 0x80)
                {
                    upper[n++] = (byte)(b is >= (byte)'a' and <= (byte)'z' ? b - 32 : b);
                    rest = rest[1..];
                    continue;
                }
                if (Rune.DecodeFromUtf8(rest, out Rune r, out int consumed) != System.Buffers.OperationStatus.Done)
                {
                    return false;
                }
                if (r.Value == 0x131)
                {
                    upper[n++] = (byte)'I';
                }
                else if (r.Value == 0x17F)
                {
                    upper[n++] = (byte)'S';
                }
                else
                {
                    return false;
                }
                rest = rest[consumed..];
            }
            var word = upper[..n];
            if (word.SequenceEqual("COUNTER"u8)) { type = MetricType.Counter; return true; }
            if (word.SequenceEqual("GAUGE"u8)) { type = MetricType.Gauge; return true; }
            if (word.SequenceEqual("SUMMARY"u8)) { type = MetricType.Summary; return true; }
            if (word.SequenceEqual("UNTYPED"u8)) { type = MetricType.Untyped; return true; }
            if (word.SequenceEqual("HISTOGRAM"u8)) { type = MetricType.Histogram; return true; }
            if (word.SequenceEqual("GAUGE_HISTOGRAM"u8)) { type = MetricType.GaugeHistogram; return true; }
            return false;
        }

        private static bool IsLabelNameStart(byte b) =>
            (b >= (byte)'a' && b <= (byte)'z') || (b >= (byte)'A' && b <= (byte)'Z') || b == (byte)'_';

        private static bool IsLabelNameContinuation(byte b) => IsLabelNameStart(b) || (b >= (byte)'0' && b <= (byte)'9');

        private static bool IsMetricNameStart(byte b) => IsLabelNameStart(b) || b == (byte)':';

        private static bool IsMetricNameContinuation(byte b) => IsLabelNameContinuation(b) || b == (byte)':';
    }

    /// <summary>
    /// A small direct-mapped cache from short UTF-8 byte strings to .NET strings, so repeated
    /// names and label values do not allocate a new string on every line.
    /// </summary>
    private sealed class StringCache
    {
        private const int Size = 256;
        private const int MaxLength = 64;
        private readonly byte[]?[] _keys = new byte[Size][];
        private readonly string?[] _values = new string[Size];

        public string Get(ReadOnlySpan<byte> utf8)
        {
            if (utf8.Length > MaxLength)
            {
                return Encoding.UTF8.GetString(utf8);
            }
            uint h = 2166136261;
            foreach (byte b in utf8)
            {
                h = (h ^ b) * 16777619;
            }
            int slot = (int)(h & (Size - 1));
            var key = _keys[slot];
            if (key is not null && utf8.SequenceEqual(key))
            {
                return _values[slot]!;
            }
            string s = Encoding.UTF8.GetString(utf8);
            _keys[slot] = utf8.ToArray();
            _values[slot] = s;
            return s;
        }
    }
}
