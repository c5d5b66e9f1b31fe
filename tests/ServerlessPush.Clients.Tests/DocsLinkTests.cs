using ServerlessPush.Clients.Tests.Infrastructure;
using ServerlessPush.Testing;

namespace ServerlessPush.Clients.Tests;

/// <summary>Every relative link in README.md and docs/*.md reaches a file, and every #anchor a heading (GitHub's slugs).</summary>
public sealed class DocsLinkTests
{
    public static TheoryData<string> Pages => [.. Markdown.Pages()];

    [Theory]
    [MemberData(nameof(Pages))]
    public void Every_relative_link_and_anchor_resolves(string page)
    {
        var broken = new List<string>();
        foreach (var target in Markdown.LinkTargets(Markdown.Read(page)).Distinct(StringComparer.Ordinal))
        {
            if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
            {
                continue; // outside the repository: not checked (no traffic leaves the machine)
            }
            var hash = target.IndexOf('#', StringComparison.Ordinal);
            var file = hash < 0 ? target : target[..hash];
            var anchor = hash < 0 ? null : target[(hash + 1)..];
            var linked = file.Length == 0 ? page : Path.GetRelativePath(RepoPaths.Root,
                Path.GetFullPath(Path.Combine(RepoPaths.Root, Path.GetDirectoryName(page) ?? "", file))).Replace('\\', '/');
            var path = Path.Combine(RepoPaths.Root, linked);
            if (!File.Exists(path) && !Directory.Exists(path))
            {
                broken.Add($"{target}: no file {linked}");
            }
            else if (anchor is not null && linked.EndsWith(".md", StringComparison.Ordinal) && !Markdown.Anchors(Markdown.Read(linked)).Contains(anchor))
            {
                broken.Add($"{target}: {linked} has no heading with the anchor #{anchor}");
            }
        }
        Assert.True(broken.Count == 0, $"{page} has broken links:\n" + string.Join('\n', broken));
    }

    [Fact]
    public void Slugs_are_the_ones_GitHub_makes()
    {
        Assert.Equal("option-2-az-deployment-group-create-and-func-azure-functionapp-publish",
            Markdown.Slug("Option 2: `az deployment group create` and `func azure functionapp publish`"));
        Assert.Equal("net-prometheus-net", Markdown.Slug(".NET: prometheus-net"));
        Assert.Equal("func-start", Markdown.Slug("`func start`"));
        Assert.Equal(["a", "a-1", "b", "c"], Markdown.Anchors("# A\n```\n# not a heading\n```\n## A\n### B\n<a name=\"c\"></a>**C**\n").Order());
    }
}
