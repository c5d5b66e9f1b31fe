using System.Text.RegularExpressions;
using ServerlessPush.Testing;

namespace ServerlessPush.WebPage.Tests;

/// <summary>
/// The page's Razor templates encode what they write; this keeps it so. An unencoded write (raw HTML
/// from a string) is where pushed text could become markup, so the one there is, the delete set's
/// JSON data block of URL-encoded and base64url text, is the only one allowed.
/// </summary>
public sealed partial class WebPageTemplateTests
{
    private static string TemplateFolder()
    {
        // Found by project name, not by path: the folders above it may be renamed.
        var project = Directory.EnumerateFiles(RepoPaths.Root, "ServerlessPush.Http.csproj", SearchOption.AllDirectories)
            .Single(p => !p.Contains($"{Path.DirectorySeparatorChar}node_modules{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
        return Path.Combine(Path.GetDirectoryName(project)!, "WebPage");
    }

    [GeneratedRegex(@"WriteHtml\(|WriteLiteral\(|HtmlString\(|Html\.Raw\(|WriteHtmlTo|IHtmlContent\s+\w+\s*=")]
    private static partial Regex RawWrite();

    [Fact]
    public void Templates_write_unencoded_only_the_delete_sets_json()
    {
        var templates = Directory.GetFiles(TemplateFolder(), "*.cshtml");
        Assert.Contains(templates, t => t.EndsWith("GroupsPage.cshtml", StringComparison.Ordinal));
        var raw = templates
            .SelectMany(t => File.ReadLines(t).Select((line, i) => (File: Path.GetFileName(t), Line: i + 1, Text: line.Trim())))
            .Where(l => RawWrite().IsMatch(l.Text))
            .ToList();
        var only = Assert.Single(raw);
        Assert.Equal("GroupsPage.cshtml", only.File);
        Assert.Contains("@WriteHtml(set.UrlsJson)", only.Text, StringComparison.Ordinal);
    }
}
