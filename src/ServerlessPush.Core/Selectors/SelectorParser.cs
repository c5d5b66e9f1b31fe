using System.Globalization;
using System.Text;

namespace ServerlessPush.Core.Selectors;

/// <summary>
/// Parses a Prometheus series selector over grouping labels: <c>{job="backup"}</c>,
/// <c>{job=~"etl-.*", site="eu"}</c>. Label names are identifiers or quoted (Prometheus 3's UTF-8
/// names, <c>{"my.label"="x"}</c>); values are Go/PromQL strings in double or single quotes with
/// escapes, or raw in backticks. As in Prometheus, a selector needs at least one matcher that does
/// not match the empty value (<c>{}</c> and <c>{site!="eu"}</c> alone are refused). A metric name
/// before the braces is refused: groups have none.
/// </summary>
public static class SelectorParser
{
    public const int MaxLength = 4096;

    public static (GroupSelector? Selector, string? Error) Parse(string text)
    {
        if (text.Length > MaxLength)
        {
            return (null, $"longer than {MaxLength} characters");
        }
        var reader = new Reader(text);
        try
        {
            var matchers = reader.ReadSelector();
            if (matchers.All(m => m.Matches(string.Empty)))
            {
                return (null, "a selector needs at least one matcher that does not match the empty value, e.g. {job=\"backup\"}");
            }
            return (new GroupSelector(matchers), null);
        }
        catch (FormatException e)
        {
            return (null, e.Message);
        }
    }

    private ref struct Reader(string text)
    {
        private readonly string _text = text;
        private int _pos;

        public List<LabelMatcher> ReadSelector()
        {
            SkipSpace();
            if (_pos < _text.Length && _text[_pos] != '{')
            {
                throw Fail("expected '{' (groups have no metric name: select on their grouping labels, e.g. {job=\"backup\"})");
            }
            Expect('{');
            var matchers = new List<LabelMatcher>();
            SkipSpace();
            while (Peek() != '}')
            {
                matchers.Add(ReadMatcher());
                SkipSpace();
                if (Peek() == ',')
                {
                    _pos++;
                    SkipSpace();
                }
                else if (Peek() != '}')
                {
                    throw Fail("expected ',' or '}'");
                }
            }
            _pos++;
            SkipSpace();
            if (_pos != _text.Length)
            {
                throw Fail("unexpected text after '}'");
            }
            return matchers;
        }

        private LabelMatcher ReadMatcher()
        {
            var name = Peek() is '"' or '\'' or '`' ? ReadString() : ReadIdentifier();
            if (name.Length == 0)
            {
                throw Fail("empty label name");
            }
            SkipSpace();
            MatchOperator op;
            if (Rest.StartsWith("=~", StringComparison.Ordinal)) { op = MatchOperator.Regex; _pos += 2; }
            else if (Rest.StartsWith("!=", StringComparison.Ordinal)) { op = MatchOperator.NotEqual; _pos += 2; }
            else if (Rest.StartsWith("!~", StringComparison.Ordinal)) { op = MatchOperator.NotRegex; _pos += 2; }
            else if (Rest.StartsWith('=')) { op = MatchOperator.Equal; _pos += 1; }
            else { throw Fail($"expected one of = != =~ !~ after label {name}"); }
            SkipSpace();
            if (Peek() is not ('"' or '\'' or '`'))
            {
                throw Fail($"expected a quoted value for label {name}");
            }
            var value = ReadString();
            var (matcher, error) = LabelMatcher.Create(name, op, value);
            return matcher ?? throw new FormatException(error);
        }

        private string ReadIdentifier()
        {
            var start = _pos;
            while (_pos < _text.Length && (char.IsAsciiLetter(_text[_pos]) || _text[_pos] == '_' || (_pos > start && char.IsAsciiDigit(_text[_pos]))))
            {
                _pos++;
            }
            if (_pos == start)
            {
                throw Fail("expected a label name");
            }
            return _text[start.._pos];
        }

        private string ReadString()
        {
            var quote = _text[_pos++];
            var value = new StringBuilder();
            while (true)
            {
                if (_pos >= _text.Length)
                {
                    throw Fail("unterminated string");
                }
                var c = _text[_pos++];
                if (c == quote)
                {
                    return value.ToString();
                }
                if (quote == '`' || c != '\\')
                {
                    if (c == '\n' && quote != '`')
                    {
                        throw Fail("newline in string");
                    }
                    value.Append(c);
                    continue;
                }
                if (_pos >= _text.Length)
                {
                    throw Fail("unterminated string");
                }
                var e = _text[_pos++];
                switch (e)
                {
                    case 'a': value.Append('\a'); break;
                    case 'b': value.Append('\b'); break;
                    case 'f': value.Append('\f'); break;
                    case 'n': value.Append('\n'); break;
                    case 'r': value.Append('\r'); break;
                    case 't': value.Append('\t'); break;
                    case 'v': value.Append('\v'); break;
                    case '\\': value.Append('\\'); break;
                    case '"' or '\'' when e == quote: value.Append(e); break;
                    case 'x': value.Append((char)Hex(2)); break;
                    case 'u': value.Append(char.ConvertFromUtf32(Hex(4))); break;
                    case 'U': value.Append(char.ConvertFromUtf32(Hex(8))); break;
                    default:
                        throw Fail($"unknown escape sequence \\{e}");
                }
            }
        }

        private int Hex(int digits)
        {
            if (_pos + digits > _text.Length
                || !int.TryParse(_text.AsSpan(_pos, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code)
                || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
            {
                throw Fail("invalid escape sequence");
            }
            _pos += digits;
            return code;
        }

        private readonly ReadOnlySpan<char> Rest => _text.AsSpan(_pos);

        private readonly char Peek() => _pos < _text.Length ? _text[_pos] : throw Fail("unexpected end of selector");

        private void Expect(char c)
        {
            if (Peek() != c)
            {
                throw Fail($"expected '{c}'");
            }
            _pos++;
        }

        private void SkipSpace()
        {
            while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos]))
            {
                _pos++;
            }
        }

        private readonly FormatException Fail(string message) =>
            new(_pos < _text.Length ? $"{message} at position {_pos + 1}" : message);
    }
}
