using System.Globalization;
using ServerlessPush.Core.Selectors;
using ServerlessPush.Core.Model;

namespace ServerlessPush.Http.WebPage;

/// <summary>
/// What the page shows: the filter text (<c>?q=</c>) and the page number (<c>?page=</c>, from 1).
/// The filter is a list of terms, all of which must occur (case-insensitive) in the group's label
/// text <c>name="value" name="value" …</c>; a term may be quoted to hold spaces. So <c>batch</c>,
/// <c>job="batch"</c> and <c>instance= "eu 1"</c> all work. A filter in braces that parses as a
/// selector (<c>{job=~"etl-.*",site="eu"}</c>, as <c>match[]</c>) selects by it instead.
/// </summary>
public sealed class WebPageQuery
{
    public const int PageSize = 500;
    public const int MaxFilterLength = 1000;

    private readonly string[] _terms;
    private readonly GroupSelector? _selector;

    private WebPageQuery(string filter, int page)
    {
        Filter = filter;
        Page = page;
        _terms = Tokenize(filter);
        _selector = filter.StartsWith('{') ? SelectorParser.Parse(filter).Selector : null;
    }

    /// <summary>The filter text as typed (trimmed, at most <see cref="MaxFilterLength"/> characters).</summary>
    public string Filter { get; }

    /// <summary>The requested page, 1-based (not yet clamped to the number of pages).</summary>
    public int Page { get; }

    public bool HasFilter => _terms.Length > 0;

    public static WebPageQuery Create(string? filter, string? page)
    {
        var text = (filter ?? string.Empty).Trim();
        if (text.Length > MaxFilterLength)
        {
            text = text[..MaxFilterLength];
        }
        var number = int.TryParse(page, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 1;
        return new WebPageQuery(text, number);
    }

    public bool Matches(MetricGroup group)
    {
        if (_selector is not null)
        {
            return _selector.Matches(group.Key);
        }
        if (_terms.Length == 0)
        {
            return true;
        }
        var text = LabelText(group);
        foreach (var term in _terms)
        {
            if (!text.Contains(term, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The text the filter searches: <c>job="a" instance="b"</c>, in key order, values unescaped.</summary>
    public static string LabelText(MetricGroup group)
    {
        var parts = group.Key.Labels.Select(l => $"{l.Key}=\"{l.Value}\"");
        return string.Join(' ', parts);
    }

    private static string[] Tokenize(string filter)
    {
        var terms = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        foreach (var c in filter)
        {
            if (c == '"')
            {
                quoted = !quoted;
                current.Append(c);
            }
            else if (char.IsWhiteSpace(c) && !quoted)
            {
                Flush();
            }
            else
            {
                current.Append(c);
            }
        }
        Flush();
        return terms.ToArray();

        void Flush()
        {
            if (current.Length == 0)
            {
                return;
            }
            var term = current.ToString();
            current.Clear();
            // A bare quoted term ("eu 1") searches for the text inside the quotes.
            if (term.Length >= 2 && term[0] == '"' && term[^1] == '"' && term.IndexOf('"', 1) == term.Length - 1)
            {
                term = term[1..^1];
            }
            if (term.Length > 0)
            {
                terms.Add(term);
            }
        }
    }
}
