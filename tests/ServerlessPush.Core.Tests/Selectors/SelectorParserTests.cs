using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Selectors;

namespace ServerlessPush.Core.Tests.Selectors;

/// <summary>Prometheus selector syntax over grouping labels: parsing, the 400 reasons, and matching.</summary>
public sealed class SelectorParserTests
{
    private static readonly GroupingKey Backup = GroupingKey.ForJob("backup", ("instance", "db1"));
    private static readonly GroupingKey EtlEu = GroupingKey.ForJob("etl-nightly", ("site", "eu"));
    private static readonly GroupingKey EtlUs = GroupingKey.ForJob("etl-nightly", ("site", "us"));
    private static readonly GroupingKey Other = GroupingKey.ForJob("xetl-1", ("site", "eu"));

    private static GroupSelector Parse(string text)
    {
        var (selector, error) = SelectorParser.Parse(text);
        Assert.True(selector is not null, $"{text}: {error}");
        return selector;
    }

    private static string Error(string text)
    {
        var (selector, error) = SelectorParser.Parse(text);
        Assert.Null(selector);
        return Assert.IsType<string>(error);
    }

    [Theory]
    [InlineData("{job=\"backup\"}", true, false, false, false)]
    [InlineData("  { job = \"backup\" , }  ", true, false, false, false)]
    [InlineData("{job=~\"etl-.*\",site=\"eu\"}", false, true, false, false)]
    [InlineData("{job=~\"etl-.*\"}", false, true, true, false)]
    [InlineData("{job!=\"backup\",job=~\".+\"}", false, true, true, true)]
    [InlineData("{job!~\"etl.*|backup\",site=\"eu\"}", false, false, false, true)]
    [InlineData("{site=\"eu\"}", false, true, false, true)]
    [InlineData("{site=~\"e.\",job=~'.+'}", false, true, false, true)]
    [InlineData("{job=`backup`}", true, false, false, false)]
    [InlineData("{\"job\"=\"backup\"}", true, false, false, false)]
    [InlineData("{instance=\"\",job=~\"etl.*\"}", false, true, true, false)] // a missing label is ""
    public void Selectors_match_as_Prometheus_does(string text, bool backup, bool etlEu, bool etlUs, bool other)
    {
        var selector = Parse(text);
        Assert.Equal([backup, etlEu, etlUs, other], [selector.Matches(Backup), selector.Matches(EtlEu), selector.Matches(EtlUs), selector.Matches(Other)]);
    }

    [Fact]
    public void Regular_expressions_are_fully_anchored()
    {
        Assert.False(Parse("{job=~\"etl\"}").Matches(EtlEu));
        Assert.False(Parse("{job=~\"nightly\"}").Matches(EtlEu));
        Assert.True(Parse("{job=~\"etl|etl-nightly\"}").Matches(EtlEu));
        Assert.True(Parse("{job=~\"a.b\"}").Matches(GroupingKey.ForJob("a\nb"))); // . matches a newline, as (?s) in Prometheus
    }

    [Fact]
    public void String_escapes_are_decoded()
    {
        var selector = Parse("{job=\"a\\\"b\\\\c\\n\\u00e9\"}");
        Assert.True(selector.Matches(GroupingKey.ForJob("a\"b\\c\né")));
    }

    [Theory]
    [InlineData("", "unexpected end")]
    [InlineData("job=\"x\"", "expected '{'")]
    [InlineData("up{job=\"x\"}", "no metric name")]
    [InlineData("{job=\"x\"", "unexpected end")]
    [InlineData("{job=\"x\"} extra", "unexpected text after '}'")]
    [InlineData("{job:\"x\"}", "expected one of = != =~ !~")]
    [InlineData("{job=x}", "expected a quoted value")]
    [InlineData("{job=\"x}", "unterminated string")]
    [InlineData("{job=\"\\q\"}", "unknown escape sequence")]
    [InlineData("{job=~\"(\"}", "invalid regular expression")]
    [InlineData("{job=~\"(a)\\\\1\"}", "invalid regular expression")] // a back-reference: not RE2
    [InlineData("{job=\"x\" site=\"eu\"}", "expected ',' or '}'")]
    [InlineData("{}", "at least one matcher that does not match the empty value")]
    [InlineData("{site!=\"eu\"}", "at least one matcher that does not match the empty value")]
    [InlineData("{job=~\".*\"}", "at least one matcher that does not match the empty value")]
    [InlineData("{1job=\"x\"}", "expected a label name")]
    public void Bad_selectors_are_refused_with_the_reason(string text, string reason)
    {
        Assert.Contains(reason, Error(text), StringComparison.Ordinal);
    }

    [Fact]
    public void An_overlong_selector_is_refused() =>
        Assert.Contains("longer than", Error("{job=\"" + new string('a', SelectorParser.MaxLength) + "\"}"), StringComparison.Ordinal);

    [Fact]
    public void Several_selectors_are_ORed_and_name_their_jobs_when_all_are_exact()
    {
        var (selection, error) = GroupSelection.Parse(["{job=\"backup\"}", "{job=\"etl-nightly\",site=\"us\"}"], JobScope.All);
        Assert.Null(error);
        Assert.True(selection!.Matches(Backup));
        Assert.True(selection.Matches(EtlUs));
        Assert.False(selection.Matches(EtlEu));
        Assert.Equal(["backup", "etl-nightly"], selection.ExactJobs!.Order(StringComparer.Ordinal));

        var (open, _) = GroupSelection.Parse(["{job=\"backup\"}", "{site=\"eu\"}"], JobScope.All);
        Assert.Null(open!.ExactJobs);
        Assert.Null(GroupSelection.Everything.ExactJobs);
    }

    [Fact]
    public void A_bad_match_parameter_names_itself_in_the_reason()
    {
        var (selection, error) = GroupSelection.Parse(["{job=\"ok\"}", "{job=x}"], JobScope.All);
        Assert.Null(selection);
        Assert.StartsWith("invalid match[] selector {job=x}: expected a quoted value", error, StringComparison.Ordinal);
        Assert.Contains("at most", GroupSelection.Parse(Enumerable.Repeat("{job=\"a\"}", GroupSelection.MaxSelectors + 1).ToArray(), JobScope.All).Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_scope_limits_every_selector_and_its_exact_jobs()
    {
        var (scope, _) = JobScope.Parse(["backup, etl-*"]);
        Assert.True(scope!.Allows("backup"));
        Assert.True(scope.Allows("etl-nightly"));
        Assert.False(scope.Allows("xetl-1"));
        Assert.False(scope.Allows("backup2"));
        Assert.Null(scope.ExactJobs); // a prefix: any job may match
        Assert.Equal("backup, etl-*", scope.ToString());

        var (selection, _) = GroupSelection.Parse(["{site=\"eu\"}"], scope);
        Assert.True(selection!.Matches(EtlEu));
        Assert.False(selection.Matches(Other)); // matches the selector, outside the scope

        var (exact, _) = JobScope.Parse(["backup", "db"]);
        Assert.Equal(["backup", "db"], GroupSelection.ForScope(exact!).ExactJobs!.Order(StringComparer.Ordinal));
        var (narrowed, _) = GroupSelection.Parse(["{job=\"backup\"}", "{job=\"other\"}"], exact!);
        Assert.Equal(["backup"], narrowed!.ExactJobs!);
    }

    [Theory]
    [InlineData("a*b", "may only end a pattern")]
    [InlineData(" , ", "no jobs given")]
    public void Bad_job_patterns_are_refused(string patterns, string reason) =>
        Assert.Contains(reason, JobScope.Parse([patterns]).Error, StringComparison.Ordinal);

    [Fact]
    public void A_star_alone_is_every_job() => Assert.True(JobScope.Parse(["*"]).Scope!.IsAll);
}
