using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;

namespace Pipeline.Web.Security;

/// <summary>
/// The dashboard's server-side sessions (<see cref="ISessionStore"/>): started at every sign-in (its id goes into the
/// cookie), checked on every request and on every open tab's circuit, ended at sign-out. An "active" answer is kept in
/// memory per session id for at most <see cref="SignInOptions.SessionCheckSeconds"/> (never past the session's absolute
/// end); a revocation made here drops it at once, one made by another instance is seen within that time.
/// </summary>
public sealed class ServerSessions(ISessionStore store, IOptions<SignInOptions> options, TimeProvider clock, ILogger<ServerSessions> logger)
{
    /// <summary>The cookie's claim holding the session id.</summary>
    public const string SessionClaim = "pipeline:session";

    /// <summary>The cookie's claim holding the key the session is stored under (see <see cref="UserKey"/>).</summary>
    public const string SessionUserClaim = "pipeline:session-user";

    /// <summary>Above this many cached answers, the expired ones are swept on the next check.</summary>
    private const int SweepAbove = 1000;

    private readonly ConcurrentDictionary<string, CachedAnswer> _active = new(StringComparer.Ordinal);

    // Counts this instance's revocations: an answer read from the store is cached only if none happened meanwhile (under
    // _gate, as is each revocation's drop of cached answers), so a check racing a sign-out never caches the old answer.
    private readonly Lock _gate = new();
    private long _revocations;

    private sealed record CachedAnswer(string UserId, DateTimeOffset Until);

    /// <summary>
    /// The stable key of the principal's user: its name identifier (the password sign-in's <c>admin:&lt;name&gt;</c>), the
    /// OpenID Connect subject (<c>oidc:&lt;sub&gt;</c>), else its name; null when it has none.
    /// </summary>
    public static string? UserKey(ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        if (principal.FindFirst(ClaimTypes.NameIdentifier)?.Value is { Length: > 0 } id) return id;
        if (principal.FindFirst("sub")?.Value is { Length: > 0 } sub) return "oidc:" + sub;
        return principal.Identity?.Name is { Length: > 0 } name ? "name:" + name : null;
    }

    /// <summary>Stores a new session for the principal signing in and adds its claims to the principal's identity.</summary>
    public async Task StartAsync(ClaimsPrincipal principal, CancellationToken ct)
    {
        var identity = principal.Identities.FirstOrDefault(i => i.IsAuthenticated)
            ?? throw new InvalidOperationException("Signing in a principal without an authenticated identity.");
        var userId = UserKey(principal) ?? throw new InvalidOperationException("Signing in a principal without a name or identifier.");
        foreach (var stale in identity.FindAll(c => c.Type is SessionClaim or SessionUserClaim).ToList()) identity.RemoveClaim(stale);
        var now = clock.GetUtcNow();
        // Ended sessions of this user are deleted here, so that a user's sessions stay few (the store lists them per user).
        await store.PruneUserSessionsAsync(userId, now, ct).ConfigureAwait(false);
        var session = new UserSession
        {
            Id = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32)),
            UserId = userId,
            UserName = principal.Identity?.Name,
            CreatedAt = now,
            ExpiresAt = now + options.Value.AbsoluteSessionLifetime,
        };
        if (!await store.CreateSessionAsync(session, ct).ConfigureAwait(false))
            throw new InvalidOperationException("A new session id was already stored."); // 256 random bits: never in practice
        identity.AddClaim(new Claim(SessionClaim, session.Id));
        identity.AddClaim(new Claim(SessionUserClaim, userId));
    }

    /// <summary>
    /// Whether the principal's session is active: stored, not revoked, not past its absolute end. A principal without a
    /// session claim (a cookie from before sessions were kept) is not.
    /// </summary>
    public async Task<bool> IsActiveAsync(ClaimsPrincipal principal, CancellationToken ct)
    {
        if (SessionOf(principal) is not var (userId, id)) return false;
        var now = clock.GetUtcNow();
        var revocations = Interlocked.Read(ref _revocations);
        if (_active.TryGetValue(id, out var cached))
        {
            if (now < cached.Until && cached.UserId == userId) return true;
            _active.TryRemove(new KeyValuePair<string, CachedAnswer>(id, cached));
        }
        var session = await store.GetSessionAsync(userId, id, ct).ConfigureAwait(false);
        if (session is null || !session.IsActiveAt(now)) return false;
        var cacheTime = options.Value.SessionCheckCacheTime;
        if (cacheTime > TimeSpan.Zero)
        {
            if (_active.Count > SweepAbove) Sweep(now);
            var until = now + cacheTime < session.ExpiresAt ? now + cacheTime : session.ExpiresAt;
            lock (_gate)
                if (_revocations == revocations) _active[id] = new CachedAnswer(userId, until);
        }
        return true;
    }

    /// <summary>Revokes the principal's session (sign-out); nothing when it has none.</summary>
    public async Task EndAsync(ClaimsPrincipal principal, CancellationToken ct)
    {
        if (SessionOf(principal) is not var (userId, id)) return;
        try
        {
            await store.RevokeSessionAsync(userId, id, clock.GetUtcNow(), ct).ConfigureAwait(false);
        }
        finally
        {
            Forget(a => a.Key == id);
        }
    }

    /// <summary>Revokes every session of the principal's user ("sign out everywhere"); returns how many were active.</summary>
    public async Task<int> EndAllAsync(ClaimsPrincipal principal, CancellationToken ct)
    {
        var userId = principal.FindFirst(SessionUserClaim)?.Value ?? UserKey(principal);
        if (string.IsNullOrEmpty(userId)) return 0;
        int revoked;
        try
        {
            revoked = await store.RevokeUserSessionsAsync(userId, clock.GetUtcNow(), ct).ConfigureAwait(false);
        }
        finally
        {
            Forget(a => a.Value.UserId == userId);
        }
        logger.LogInformation("Signed out everywhere: {Count} dashboard sessions of {User} revoked", revoked, principal.Identity?.Name);
        return revoked;
    }

    private static (string UserId, string Id)? SessionOf(ClaimsPrincipal principal) =>
        principal.FindFirst(SessionClaim)?.Value is { Length: > 0 } id && principal.FindFirst(SessionUserClaim)?.Value is { Length: > 0 } userId
            ? (userId, id)
            : null;

    /// <summary>Drops the cached answers that <paramref name="revoked"/> selects, after a revocation in the store.</summary>
    private void Forget(Func<KeyValuePair<string, CachedAnswer>, bool> revoked)
    {
        lock (_gate)
        {
            _revocations++;
            foreach (var entry in _active)
                if (revoked(entry)) _active.TryRemove(entry);
        }
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (id, answer) in _active)
            if (answer.Until <= now) _active.TryRemove(new KeyValuePair<string, CachedAnswer>(id, answer));
    }
}
