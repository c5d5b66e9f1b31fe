using System.Text;
using System.Text.RegularExpressions;
using ServerlessPush.Testing;

namespace ServerlessPush.Clients.Tests.Infrastructure;

/// <summary>Just enough Markdown for the docs tests: fenced blocks, headings and their GitHub anchors, links.</summary>
public static partial class Markdown
{
    /// <summary>The repository's Markdown pages whose links must resolve: README.md and docs/*.md.</summary>
    public static IEnumerable<string> Pages() =>
        new[] { "README.md" }.Concat(Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "docs"), "*.md")
            .Select(f => Path.GetRelativePath(RepoPaths.Root, f).Replace('\\', '/')).Order(StringComparer.Ordinal));

    public static string Read(string page) => File.ReadAllText(Path.Combine(RepoPaths.Root, page)).ReplaceLineEndings("\n");

    /// <summary>The lines outside fenced code blocks (headings and links in code are not Markdown).</summary>
    public static IEnumerable<string> ProseLines(string text)
    {
        var inFence = false;
        foreach (var line in text.Split('\n'))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
                continue;
            }
            if (!inFence)
            {
                yield return line;
            }
        }
    }

    /// <summary>
    /// The anchors GitHub gives the page's headings, duplicates numbered as GitHub does (-1, -2),
    /// and the explicit ones (&lt;a name="…"&gt; or id="…").
    /// </summary>
    public static HashSet<string> Anchors(string text)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in ProseLines(text))
        {
            anchors.UnionWith(HtmlAnchor().Matches(line).Select(m => m.Groups[1].Value));
            var heading = Heading().Match(line);
            if (!heading.Success)
            {
                continue;
            }
            var slug = Slug(heading.Groups[1].Value);
            var n = seen.GetValueOrDefault(slug);
            seen[slug] = n + 1;
            anchors.Add(n == 0 ? slug : $"{slug}-{n}");
        }
        return anchors;
    }

    /// <summary>GitHub's heading slug: lower case, punctuation (backticks too) dropped, spaces as hyphens.</summary>
    public static string Slug(string heading)
    {
        var slug = new StringBuilder();
        foreach (var c in heading.Trim().ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c) || c is '-' or '_')
            {
                slug.Append(c);
            }
            else if (c == ' ')
            {
                slug.Append('-');
            }
        }
        return slug.ToString();
    }

    /// <summary>The targets of the page's inline links, outside code.</summary>
    public static IEnumerable<string> LinkTargets(string text) => ProseLines(text)
        .Select(l => InlineCode().Replace(l, ""))
        .SelectMany(l => Link().Matches(l).Select(m => m.Groups[1].Value));

    /// <summary>The first ```bash block after <paramref name="marker"/> in README.md.</summary>
    public static string BashBlockAfter(string marker)
    {
        var readme = Read("README.md");
        var start = readme.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(start >= 0, $"README.md no longer contains '{marker}'");
        var block = BashBlock().Match(readme, start);
        Assert.True(block.Success, $"README.md has no ```bash block after '{marker}'");
        return block.Groups[1].Value;
    }

    [GeneratedRegex(@"^#{1,6}\s+(.+?)\s*$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"<a\s+(?:name|id)=""([^""]+)""")]
    private static partial Regex HtmlAnchor();

    [GeneratedRegex(@"`[^`]*`")]
    private static partial Regex InlineCode();

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"```bash\n([\s\S]*?)```\n")]
    private static partial Regex BashBlock();
}
