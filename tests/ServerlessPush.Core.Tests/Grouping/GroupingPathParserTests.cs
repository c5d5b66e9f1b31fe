using ServerlessPush.Core.Grouping;

namespace ServerlessPush.Core.Tests.Grouping;

/// <summary>Cases and messages observed on the reference 1.5.1 (shared/reference) and in its TestSplitLabels.</summary>
public class GroupingPathParserTests
{
    [Theory]
    [InlineData("test", false, "", "{job=\"test\"}")]
    [InlineData("test", false, "/", "{job=\"test\"}")]
    [InlineData("j", false, "/instance/i/zone/z", "{instance=\"i\",job=\"j\",zone=\"z\"}")]
    [InlineData("j", false, "/x/", "{job=\"j\",x=\"\"}")]
    [InlineData("dGVzdC9qb2I=", true, "/instance@base64/dGVzdGluc3RhbmNl", "{instance=\"testinstance\",job=\"test/job\"}")]
    [InlineData("j", false, "/instance@base64/=", "{instance=\"\",job=\"j\"}")]
    [InlineData("j", false, "/v@base64/L3Zhci90bXA", "{job=\"j\",v=\"/var/tmp\"}")]
    [InlineData("j", false, "/v@base64/L3Zhci90bXA==", "{job=\"j\",v=\"/var/tmp\"}")]
    [InlineData("a", false, "/job/b", "{job=\"a\"}")]
    [InlineData("plus+job", false, "", "{job=\"plus+job\"}")]
    [InlineData("j", false, "/U__label_2e_name2/v", "{U__label_2e_name2=\"v\",job=\"j\"}")]
    public void Valid_paths_give_the_reference_grouping_key(string job, bool base64, string labels, string expected)
    {
        var result = GroupingPathParser.Parse(job, base64, labels);
        Assert.True(result.Success, result.Error);
        Assert.Equal(expected, result.Key!.ToString());
    }

    [Theory]
    [InlineData("j", false, "/instance", "odd number of components in label string \"/instance\"")]
    [InlineData("j", false, "/instance/i/", "odd number of components in label string \"/instance/i/\"")]
    [InlineData("j", false, "/bad-name/v", "improper label name \"bad-name\"")]
    [InlineData("j", false, "/__x/v", "improper label name \"__x\"")]
    [InlineData("j", false, "/a:b/v", "improper label name \"a:b\"")]
    [InlineData("j", false, "/v@base64/foo.bar", "invalid base64 encoding for label v=\"foo.bar\": illegal base64 data at input byte 3")]
    [InlineData("!!!", true, "", "invalid base64 encoding in job name \"\": illegal base64 data at input byte 0")]
    [InlineData("=", true, "", "job name is required")]
    public void Invalid_paths_give_the_reference_message(string job, bool base64, string labels, string expected)
    {
        var result = GroupingPathParser.Parse(job, base64, labels);
        Assert.False(result.Success);
        Assert.Equal(expected, result.Error);
    }

    [Fact]
    public void Standard_base64_plus_is_accepted_as_well_as_url_safe_minus()
    {
        Assert.Equal("~~~", GroupingPathParser.Parse("fn5-", true, "").Key!.Job);
        Assert.Equal("~~~", GroupingPathParser.Parse("fn5+", true, "").Key!.Job);
    }

    [Fact]
    public void Encode_round_trips_through_the_parser_including_empty_values()
    {
        foreach (var value in new[] { "", "a/b", "ünïcödé", "x y+z" })
        {
            var key = GroupingPathParser.Parse(Base64Value.Encode(value), true, "").Key;
            if (value.Length == 0)
            {
                Assert.Null(key);
                continue;
            }
            Assert.Equal(value, key!.Job);
        }
    }
}
