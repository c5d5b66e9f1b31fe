using ServerlessPush.Core.Grouping;

namespace ServerlessPush.Core.Tests.Grouping;

/// <summary>The reference router's decisions (shared/reference pushgateway-spec §1.2), which Kestrel would make differently.</summary>
public class PushPathTests
{
    [Theory]
    [InlineData("/metrics/job/j", "j", false, "")]
    [InlineData("/metrics/job/j/", "j", false, "/")]
    [InlineData("/metrics/job/j/x/", "j", false, "/x/")]
    [InlineData("/metrics/job@base64/ag/a/b", "ag", true, "/a/b")]
    public void Push_routes_split_job_and_labels(string path, string job, bool base64, string labels)
    {
        var match = PushPath.Match(path);
        Assert.Equal(PushPathKind.Route, match.Kind);
        Assert.Equal((job, base64, labels), (match.JobSegment, match.JobIsBase64, match.Labels));
    }

    [Theory]
    [InlineData("/metrics/job/", 307, "/metrics/job")]
    [InlineData("/metrics//job/j", 301, "/metrics/job/j")]
    [InlineData("/metrics/job/j//x", 301, "/metrics/job/j/x")]
    [InlineData("/metrics/job/./j/", 301, "/metrics/job/j/")]
    public void Unclean_paths_redirect_like_the_reference(string path, int status, string location)
    {
        var match = PushPath.Match(path);
        Assert.Equal(PushPathKind.Redirect, match.Kind);
        Assert.Equal((status, location), (match.Status, match.Location));
    }

    [Theory]
    [InlineData("/metrics/job")]
    [InlineData("/metrics/job@base64/")]
    [InlineData("/metrics/jobs/j")]
    [InlineData("/metrics")]
    public void Other_paths_are_not_found(string path) => Assert.Equal(PushPathKind.NotFound, PushPath.Match(path).Kind);
}
