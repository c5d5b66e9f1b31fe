namespace ServerlessPush.Gateway.Tests.Infrastructure;

/// <summary>The system clock, off by a fixed amount: a gateway instance whose clock is skewed.</summary>
public sealed class ShiftedTimeProvider(TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
}
