using ServerlessPush.Core.Exposition;

namespace ServerlessPush.Core.Tests.Exposition;

public class GoFloatTests
{
    // Expected strings: Go strconv.FormatFloat(v,'g',-1,64) as printed by the reference 1.5.1
    // (the same values were pushed and read back from /metrics and /api/v1/metrics).
    [Theory]
    [InlineData(1e21, "1e+21")]
    [InlineData(1e20, "1e+20")]
    [InlineData(123456789d, "1.23456789e+08")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(1e-05, "1e-05")]
    [InlineData(5e-324, "5e-324")]
    [InlineData(double.MaxValue, "1.7976931348623157e+308")]
    [InlineData(double.MinValue, "-1.7976931348623157e+308")]
    [InlineData(2.2250738585072014e-308, "2.2250738585072014e-308")]
    [InlineData(100000d, "100000")]
    [InlineData(1000000d, "1e+06")]
    [InlineData(123456d, "123456")]
    [InlineData(123456.7, "123456.7")]
    [InlineData(1234567d, "1.234567e+06")]
    [InlineData(1795585493.4657397, "1.7955854934657397e+09")]
    [InlineData(0.1, "0.1")]
    [InlineData(0.00012345, "0.00012345")]
    [InlineData(-1e-7, "-1e-07")]
    [InlineData(1e100, "1e+100")]
    [InlineData(0.5, "0.5")]
    [InlineData(2d, "2")]
    [InlineData(1d, "1")]
    [InlineData(-1d, "-1")]
    [InlineData(0d, "0")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(1.5838723477166057e+09, "1.5838723477166057e+09")]
    [InlineData(1.23456789012e+11, "1.23456789012e+11")]
    [InlineData(999999d, "999999")]
    [InlineData(0.000099999, "9.9999e-05")]
    public void Format_matches_go(double value, string expected)
    {
        Assert.Equal(expected, GoFloat.Format(value));
    }

    [Fact]
    public void Exposition_writes_negative_zero_as_zero_and_format_keeps_the_sign()
    {
        Assert.Equal("0", GoFloat.FormatForExposition(-0d));
        Assert.Equal("-0", GoFloat.Format(-0d));
    }

    [Theory]
    [InlineData(0d, "0")]
    [InlineData(1d, "1")]
    [InlineData(-1d, "-1")]
    [InlineData(1e6, "1e+06")]
    [InlineData(double.NaN, "NaN")]
    public void Exposition_special_cases_one_zero_and_minus_one(double value, string expected)
    {
        Assert.Equal(expected, GoFloat.FormatForExposition(value));
    }

    [Fact]
    public void Span_overload_writes_ascii_and_returns_length()
    {
        Span<byte> buffer = stackalloc byte[GoFloat.MaxLength];
        var n = GoFloat.Format(-2.2250738585072014e-308, buffer);
        Assert.Equal("-2.2250738585072014e-308"u8.ToArray(), buffer[..n].ToArray());
    }

    [Fact]
    public void Random_values_round_trip_through_the_go_format()
    {
        var rnd = new Random(7);
        for (var i = 0; i < 20000; i++)
        {
            var v = BitConverter.Int64BitsToDouble(rnd.NextInt64());
            if (!double.IsFinite(v))
            {
                continue;
            }
            var s = GoFloat.Format(v);
            Assert.Equal(v, double.Parse(s, System.Globalization.CultureInfo.InvariantCulture));
            Assert.DoesNotContain('E', s);
        }
    }
}
