using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using ServerlessPush.Http;

namespace ServerlessPush.Gateway.Tests.Security;

/// <summary>
/// In Azure the keys are Key Vault references. When App Service cannot resolve one (the identity
/// lacks its role, the secret is missing), the app sees the reference's own text. That text names
/// the vault and the secret, so it must never be accepted as a key, and the right it stands for
/// must stay closed rather than count as "no keys".
/// </summary>
public class KeyVaultReferenceTests
{
    private const string Unresolved = "@Microsoft.KeyVault(SecretUri=https://kv-pushgw-abc.vault.azure.net/secrets/gateway-push-key/)";

    private static AccessControl Access(AccessOptions options) => new(Options.Create(options));

    private static HttpContext WithBearer(string? key)
    {
        var context = new DefaultHttpContext();
        if (key is not null)
        {
            context.Request.Headers.Authorization = "Bearer " + key;
        }
        return context;
    }

    [Fact]
    public void The_text_of_an_unresolved_reference_is_not_a_key()
    {
        var access = Access(new AccessOptions { PushKeys = [Unresolved] });
        Assert.False(access.TryAuthorize(WithBearer(Unresolved), AccessRight.Push, out var status));
        Assert.Equal(StatusCodes.Status401Unauthorized, status);
    }

    [Fact]
    public void An_unresolved_reference_keeps_its_right_closed_even_with_allow_anonymous()
    {
        var access = Access(new AccessOptions { PushKeys = [Unresolved], ReadKeys = [Unresolved.Replace("push", "read")], AllowAnonymous = true });
        Assert.False(access.IsOpen(AccessRight.Push));
        Assert.False(access.IsOpen(AccessRight.Read));
        Assert.False(access.TryAuthorize(WithBearer(null), AccessRight.Push, out _));
    }

    [Fact]
    public void Resolved_keys_beside_an_unresolved_one_still_work_and_the_start_up_line_says_what_is_wrong()
    {
        var access = Access(new AccessOptions { PushKeys = ["current-push-key", Unresolved] });
        Assert.True(access.TryAuthorize(WithBearer("current-push-key"), AccessRight.Push, out _));
        Assert.True(access.NeedsAttention);
        var line = access.Describe();
        Assert.Contains("unresolved Key Vault reference", line, StringComparison.Ordinal);
        Assert.DoesNotContain("kv-pushgw-abc", line, StringComparison.Ordinal);
    }
}
