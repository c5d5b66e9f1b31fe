using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using ServerlessPush.Core;
using ServerlessPush.Core.Selectors;

namespace ServerlessPush.Http;

/// <summary>
/// The gateway's own access check, run by every endpoint in both hosts (the Functions triggers are
/// anonymous; the platform's keys cannot express separate rights). A key is taken from
/// <c>Authorization: Bearer &lt;key&gt;</c>, <c>Authorization: Basic</c> (the password is the key, the
/// user is ignored; a Basic credential with an empty password uses the user name as the key), or
/// <c>x-functions-key</c>. Keys are compared as SHA-256 hashes with a constant-time comparison over
/// every configured key, and are never logged. A scoped key (<see cref="AccessOptions.ScopedKeys"/>)
/// grants its rights within its jobs only: the answer of <see cref="Authorize"/> is the
/// <see cref="JobScope"/> the request may touch.
/// </summary>
public sealed class AccessControl
{
    public const string Realm = "ServerlessPush";
    public const string FunctionsKeyHeader = "x-functions-key";

    private readonly AccessOptions _options;
    private readonly byte[][] _push;
    private readonly byte[][] _read;
    private readonly byte[][] _admin;
    private readonly ScopedKey[] _scoped;
    private readonly int _unresolved;

    /// <summary>One scoped key: its hash, its rights (admin implies push and read) and its jobs.</summary>
    private sealed record ScopedKey(byte[] Hash, bool Push, bool Read, bool Admin, JobScope Jobs)
    {
        public bool Has(AccessRight right) => Admin || right switch
        {
            AccessRight.Push => Push,
            AccessRight.Read => Read,
            _ => false,
        };
    }

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
        _scoped = Scoped(_options.ScopedKeys, ref _unresolved);
    }

    private int AllKeys => _push.Length + _read.Length + _admin.Length + _scoped.Length;

    private int KeysOf(AccessRight right) => Own(right).Length + _scoped.Count(s => s.Has(right));

    /// <summary>
    /// Whether the right is open to requests without a key. Safe by default: a right with keys always
    /// needs one; admin is open only by its own setting; <see cref="AccessOptions.AllowAnonymous"/>
    /// opens push and read only while no key of any right is configured.
    /// </summary>
    public bool IsOpen(AccessRight right)
    {
        if (KeysOf(right) > 0)
        {
            return false;
        }
        var noKeysAtAll = AllKeys == 0;
        return right switch
        {
            AccessRight.Push => _options.AllowAnonymousPush || (_options.AllowAnonymous && noKeysAtAll),
            AccessRight.Read => _options.AllowAnonymousRead || (_options.AllowAnonymous && noKeysAtAll),
            _ => _options.AllowAnonymousAdmin,
        };
    }

    /// <summary>Any right open to anyone, nothing usable at all, or AllowAnonymous ignored: worth a warning at start-up.</summary>
    public bool NeedsAttention =>
        Enum.GetValues<AccessRight>().Any(IsOpen) || AllKeys == 0 || _options.AllowAnonymous || _unresolved > 0;

    /// <summary>
    /// What is open, in one line for the start-up log: each right's state and why, and the number
    /// of keys (never a key). E.g. <c>push: 2 keys; read: open to anyone (AllowAnonymousRead); admin: closed (no keys)</c>.
    /// </summary>
    public string Describe()
    {
        var noKeysAtAll = AllKeys == 0;
        string State(AccessRight right)
        {
            var keys = KeysOf(right);
            if (keys > 0)
            {
                var scoped = keys - Own(right).Length;
                return (keys == 1 ? "1 key" : $"{keys} keys") + (scoped > 0 ? $" ({scoped} scoped to jobs)" : string.Empty);
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
    public bool TryAuthorize(HttpContext context, AccessRight right, out int failureStatus) =>
        Authorize(context, right, out failureStatus) is not null;

    /// <summary>
    /// The jobs the request may touch with <paramref name="right"/>: <see cref="JobScope.All"/> for an
    /// open right or an unscoped key, a scoped key's jobs, or null with <paramref name="failureStatus"/>
    /// 401 (no key, or a key the gateway does not know) or 403 (a valid key without this right).
    /// </summary>
    public JobScope? Authorize(HttpContext context, AccessRight right, out int failureStatus)
    {
        failureStatus = 0;
        if (IsOpen(right))
        {
            return JobScope.All;
        }
        var presented = PresentedKey(context.Request);
        if (presented is null)
        {
            failureStatus = StatusCodes.Status401Unauthorized;
            return null;
        }
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), hash);

        // Every list is scanned whatever matches, so the time does not tell which list or key matched.
        var isAdmin = Matches(_admin, hash);
        var isPush = Matches(_push, hash);
        var isRead = Matches(_read, hash);
        JobScope? scoped = null;
        var isScoped = false;
        foreach (var key in _scoped)
        {
            var match = CryptographicOperations.FixedTimeEquals(key.Hash, hash);
            isScoped |= match;
            if (match && key.Has(right))
            {
                scoped = scoped is null ? key.Jobs : scoped.Union(key.Jobs);
            }
        }
        var granted = right switch
        {
            AccessRight.Push => isPush | isAdmin,
            AccessRight.Read => isRead | isAdmin,
            _ => isAdmin,
        };
        if (granted)
        {
            return JobScope.All;
        }
        if (scoped is not null)
        {
            return scoped;
        }
        failureStatus = isAdmin | isPush | isRead | isScoped ? StatusCodes.Status403Forbidden : StatusCodes.Status401Unauthorized;
        return null;
    }

    /// <summary>
    /// Checks the right and, when it is missing, writes the 401 (with <c>WWW-Authenticate</c>) or 403.
    /// Returns true when the caller may go on.
    /// </summary>
    public async Task<bool> AuthorizeAsync(HttpContext context, AccessRight right) =>
        await AuthorizeScopedAsync(context, right).ConfigureAwait(false) is not null;

    /// <summary>As <see cref="AuthorizeAsync"/>, answering the jobs the caller may touch (null: refused, answer written).</summary>
    public async Task<JobScope?> AuthorizeScopedAsync(HttpContext context, AccessRight right)
    {
        if (Authorize(context, right, out var status) is { } scope)
        {
            return scope;
        }
        await WriteFailureAsync(context.Response, status, right).ConfigureAwait(false);
        return null;
    }

    public static Task WriteFailureAsync(HttpResponse response, int status, AccessRight right) =>
        Responses.RejectAsync(response.HttpContext, Failure(status, right));

    /// <summary>The 401 (with <c>WWW-Authenticate</c>) or 403 for a request without <paramref name="right"/>.</summary>
    public static Rejection Failure(int status, AccessRight right) => status == StatusCodes.Status401Unauthorized
        ? new(status, "Unauthorized: a valid key is required (Authorization: Basic or Bearer, or x-functions-key)", RejectionReason.Access,
            new(Microsoft.Net.Http.Headers.HeaderNames.WWWAuthenticate, $"Basic realm=\"{Realm}\", Bearer realm=\"{Realm}\""))
        : new(status, $"Forbidden: this key does not have the {right.ToString().ToLowerInvariant()} right", RejectionReason.Access);

    /// <summary>The 403 for a scoped key asked to touch a job outside its scope.</summary>
    public static Rejection OutOfScope(string job, JobScope scope) =>
        new(StatusCodes.Status403Forbidden, $"Forbidden: this key is scoped to jobs {scope}; job \"{job}\" is not one of them", RejectionReason.Access);

    public static Task WriteOutOfScopeAsync(HttpResponse response, string job, JobScope scope) =>
        Responses.RejectAsync(response.HttpContext, OutOfScope(job, scope));

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
    /// The scoped keys; an entry without a key is skipped, one with unknown rights or bad job patterns
    /// stops the start (a typo must not widen or silently drop a team's access).
    /// </summary>
    private static ScopedKey[] Scoped(ScopedKeyOptions[]? entries, ref int unresolved)
    {
        var keys = new List<ScopedKey>();
        for (var i = 0; i < (entries?.Length ?? 0); i++)
        {
            var entry = entries![i];
            var hashes = Hashes([entry.Key], ref unresolved);
            if (hashes.Length == 0)
            {
                continue;
            }
            var rights = entry.Rights.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(r => r.ToLowerInvariant()).ToList();
            var unknown = rights.Where(r => r is not ("push" or "read" or "admin")).ToList();
            if (rights.Count == 0 || unknown.Count > 0)
            {
                throw new InvalidOperationException($"{AccessOptions.SectionName}:ScopedKeys:{i}:Rights must list push, read and/or admin (got \"{entry.Rights}\")");
            }
            var (jobs, error) = JobScope.Parse([entry.Jobs]);
            if (jobs is null)
            {
                throw new InvalidOperationException($"{AccessOptions.SectionName}:ScopedKeys:{i}:Jobs: {error}");
            }
            keys.Add(new ScopedKey(hashes[0], rights.Contains("push"), rights.Contains("read"), rights.Contains("admin"), jobs));
        }
        return [.. keys];
    }

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
