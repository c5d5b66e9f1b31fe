using ServerlessPush.Core.Gateway;

namespace ServerlessPush.Core.Tests.Selectors;

public sealed class FailureReasonTests
{
    [Fact]
    public void A_short_reason_is_kept_as_is() => Assert.Equal("bad", FailureReason.Bound("bad"));

    [Fact]
    public void A_long_reason_is_cut_to_the_bound_with_an_ellipsis_and_never_inside_a_surrogate_pair()
    {
        var cut = FailureReason.Bound(new string('x', FailureReason.MaxLength + 10));
        Assert.Equal(FailureReason.MaxLength, cut.Length);
        Assert.EndsWith("…", cut, StringComparison.Ordinal);

        var emoji = new string('x', FailureReason.MaxLength - 2) + "😀😀";
        var bounded = FailureReason.Bound(emoji);
        Assert.True(bounded.Length <= FailureReason.MaxLength);
        Assert.False(char.IsHighSurrogate(bounded[^2]));
    }
}
