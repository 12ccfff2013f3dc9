using Pipeline.Core.Domain;

namespace Pipeline.Core.Ports;

/// <summary>
/// The dashboard's server-side sessions, kept with the run store (so that several instances share them and a restart
/// keeps them). A session is found by its user and id together: the store may keep a user's sessions side by side, so
/// that ending all of them reads one place, consistently.
/// </summary>
public interface ISessionStore
{
    /// <summary>Adds the session unless one with its id exists for its user. True when added.</summary>
    Task<bool> CreateSessionAsync(UserSession session, CancellationToken ct);

    /// <summary>The session, revoked or expired ones included; null when there is none (or it was pruned).</summary>
    Task<UserSession?> GetSessionAsync(string userId, string id, CancellationToken ct);

    /// <summary>Marks the session revoked at <paramref name="at"/>. True when it was stored and not revoked before.</summary>
    Task<bool> RevokeSessionAsync(string userId, string id, DateTimeOffset at, CancellationToken ct);

    /// <summary>Marks every not yet revoked session of <paramref name="userId"/> revoked at <paramref name="at"/>; returns how many.</summary>
    Task<int> RevokeUserSessionsAsync(string userId, DateTimeOffset at, CancellationToken ct);

    /// <summary>
    /// Deletes the sessions of <paramref name="userId"/> that ended (were revoked, or reached their absolute end) before
    /// <paramref name="before"/> (a time not after now, so that no active session is deleted); returns how many.
    /// </summary>
    Task<int> PruneUserSessionsAsync(string userId, DateTimeOffset before, CancellationToken ct);
}
