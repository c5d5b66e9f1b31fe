using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using ServerlessPush.Core;

namespace ServerlessPush.Http;

/// <summary>
/// The gateway's own access check, run by every endpoint in both hosts (the Functions triggers are
/// anonymous; the platform's keys cannot express separate rights). A key is taken from
/// <c>Authorization: Bearer &lt;key&gt;</c>, <c>Authorization: Basic</c> (the password is the key, the
/// user is ignored; a Basic credential with an empty password uses the user name as the key), or
/// <c>x-functions-key</c>. Keys are compared as SHA-256 hashes with a constant-time comparison over
/// every configured key, and are never logged.
/// </summary>
public sealed class AccessControl
{
    public const string Realm = "ServerlessPush";
    public const string FunctionsKeyHeader = "x-functions-key";

    private readonly AccessOptions _options;
    private readonly byte[][] _push;
    private readonly byte[][] _read;
    private readonly byte[][] _admin;
    private readonly int _unresolved;

    /// <summary>
    /// What App Service leaves in a setting whose Key Vault reference it could not resolve: the
    /// reference's own text, which names the vault and the secret and so must never work as a key.
    /// </summary>
    public const string UnresolvedReferencePrefix = "@Microsoft.KeyVault(";

    public AccessControl(IOptions<AccessOptions> options)
    {
        _options = options.Value;
        _push = Hashes(_options.PushKeys, ref _unresolved);
        _read = Hashes(_options.ReadKeys, ref _unresolved);
        _admin = Hashes(_options.AdminKeys, ref _unresolved);
    }

    /// <summary>
    /// Whether the right is open to requests without a key. Safe by default: a right with keys always
    /// needs one; admin is open only by its own setting; <see cref="AccessOptions.AllowAnonymous"/>
    /// opens push and read only while no key of any right is configured.
    /// </summary>
    public bool IsOpen(AccessRight right)
    {
        if (Own(right).Length > 0)
        {
            return false;
        }
        var noKeysAtAll = _push.Length + _read.Length + _admin.Length == 0;
        return right switch
        {
            AccessRight.Push => _options.AllowAnonymousPush || (_options.AllowAnonymous && noKeysAtAll),
            AccessRight.Read => _options.AllowAnonymousRead || (_options.AllowAnonymous && noKeysAtAll),
            _ => _options.AllowAnonymousAdmin,
        };
    }

    /// <summary>Any right open to anyone, nothing usable at all, or AllowAnonymous ignored: worth a warning at start-up.</summary>
    public bool NeedsAttention =>
        Enum.GetValues<AccessRight>().Any(IsOpen) || _push.Length + _read.Length + _admin.Length == 0 || _options.AllowAnonymous || _unresolved > 0;

    /// <summary>
    /// What is open, in one line for the start-up log: each right's state and why, and the number
    /// of keys (never a key). E.g. <c>push: 2 keys; read: open to anyone (AllowAnonymousRead); admin: closed (no keys)</c>.
    /// </summary>
    public string Describe()
    {
        var noKeysAtAll = _push.Length + _read.Length + _admin.Length == 0;
        string State(AccessRight right)
        {
            var keys = Own(right).Length;
            if (keys > 0)
            {
                return keys == 1 ? "1 key" : $"{keys} keys";
            }
            if (!IsOpen(right))
            {
                return right == AccessRight.Admin ? "closed (no keys; AllowAnonymousAdmin off)" : "closed (no keys)";
            }
            var because = right switch
            {
                AccessRight.Push when _options.AllowAnonymousPush => "AllowAnonymousPush",
                AccessRight.Read when _options.AllowAnonymousRead => "AllowAnonymousRead",
                AccessRight.Admin => "AllowAnonymousAdmin",
                _ => "AllowAnonymous, no keys configured",
            };
            return $"open to anyone ({because})";
        }
        var line = $"push: {State(AccessRight.Push)}; read: {State(AccessRight.Read)}; admin: {State(AccessRight.Admin)}";
        if (_options.AllowAnonymous && !noKeysAtAll)
        {
            line += "; AllowAnonymous ignored (keys are configured)";
        }
        if (_unresolved > 0)
        {
            line += $"; {_unresolved} key setting(s) hold an unresolved Key Vault reference and match no key (check the app's identity and its Key Vault Secrets User role)";
        }
        return line;
    }

    /// <summary>
    /// Decides whether the request has <paramref name="right"/>. On failure <paramref name="failureStatus"/>
    /// is 401 (no key, or a key the gateway does not know) or 403 (a valid key without this right).
    /// </summary>
    public bool TryAuthorize(HttpContext context, AccessRight right, out int failureStatus)
    {
        failureStatus = 0;
        if (IsOpen(right))
        {
            return true;
        }
        var presented = PresentedKey(context.Request);
        if (presented is null)
        {
            failureStatus = StatusCodes.Status401Unauthorized;
            return false;
        }
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), hash);

        // Every list is scanned whatever matches, so the time does not tell which list or key matched.
        var isAdmin = Matches(_admin, hash);
        var isPush = Matches(_push, hash);
        var isRead = Matches(_read, hash);
        var granted = right switch
        {
            AccessRight.Push => isPush | isAdmin,
            AccessRight.Read => isRead | isAdmin,
            _ => isAdmin,
        };
        if (granted)
        {
            return true;
        }
        failureStatus = isAdmin | isPush | isRead ? StatusCodes.Status403Forbidden : StatusCodes.Status401Unauthorized;
        return false;
    }

    /// <summary>
    /// Checks the right and, when it is missing, writes the 401 (with <c>WWW-Authenticate</c>) or 403.
    /// Returns true when the caller may go on.
    /// </summary>
    public async Task<bool> AuthorizeAsync(HttpContext context, AccessRight right)
    {
        if (TryAuthorize(context, right, out var status))
        {
            return true;
        }
        await WriteFailureAsync(context.Response, status, right).ConfigureAwait(false);
        return false;
    }

    public static Task WriteFailureAsync(HttpResponse response, int status, AccessRight right) =>
        Responses.RejectAsync(response.HttpContext, Failure(status, right));

    /// <summary>The 401 (with <c>WWW-Authenticate</c>) or 403 for a request without <paramref name="right"/>.</summary>
    public static Rejection Failure(int status, AccessRight right) => status == StatusCodes.Status401Unauthorized
        ? new(status, "Unauthorized: a valid key is required (Authorization: Basic or Bearer, or x-functions-key)", RejectionReason.Access,
            new(Microsoft.Net.Http.Headers.HeaderNames.WWWAuthenticate, $"Basic realm=\"{Realm}\", Bearer realm=\"{Realm}\""))
        : new(status, $"Forbidden: this key does not have the {right.ToString().ToLowerInvariant()} right", RejectionReason.Access);

    /// <summary>The key a request carries, or null. Authorization wins over x-functions-key.</summary>
    internal static string? PresentedKey(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.Length > 0)
        {
            var space = authorization.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0)
            {
                var scheme = authorization.AsSpan(0, space);
                var credential = authorization.AsSpan(space + 1).Trim();
                if (scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase) && !credential.IsEmpty)
                {
                    return credential.ToString();
                }
                if (scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
                {
                    var key = FromBasic(credential);
                    if (key is not null)
                    {
                        return key;
                    }
                }
            }
        }
        var functionsKey = request.Headers[FunctionsKeyHeader].ToString();
        return functionsKey.Length > 0 ? functionsKey : null;
    }

    private static string? FromBasic(ReadOnlySpan<char> base64)
    {
        if (base64.Length > 8192)
        {
            return null;
        }
        var buffer = new byte[(base64.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64Chars(base64, buffer, out var written))
        {
            return null;
        }
        var decoded = Encoding.UTF8.GetString(buffer, 0, written);
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return null;
        }
        var password = decoded[(colon + 1)..];
        var user = decoded[..colon];
        return password.Length > 0 ? password : user.Length > 0 ? user : null;
    }

    private static bool Matches(byte[][] hashes, ReadOnlySpan<byte> presented)
    {
        var match = false;
        foreach (var hash in hashes)
        {
            match |= CryptographicOperations.FixedTimeEquals(hash, presented);
        }
        return match;
    }

    private byte[][] Own(AccessRight right) => right switch
    {
        AccessRight.Push => _push,
        AccessRight.Read => _read,
        _ => _admin,
    };

    /// <summary>
    /// The keys' hashes. An unresolved Key Vault reference still counts as a key of its right, so the
    /// right stays closed (it must not fall back to "no keys" and open with AllowAnonymous), but as
    /// random bytes that no presented key can hash to.
    /// </summary>
    private static byte[][] Hashes(string[]? keys, ref int unresolved)
    {
        var hashes = new List<byte[]>();
        foreach (var key in keys ?? [])
        {
            if (string.IsNullOrWhiteSpace(key))
            {
                continue;
            }
            var trimmed = key.Trim();
            if (trimmed.StartsWith(UnresolvedReferencePrefix, StringComparison.OrdinalIgnoreCase))
            {
                unresolved++;
                hashes.Add(RandomNumberGenerator.GetBytes(SHA256.HashSizeInBytes));
                continue;
            }
            hashes.Add(SHA256.HashData(Encoding.UTF8.GetBytes(trimmed)));
        }
        return [.. hashes];
    }
}
