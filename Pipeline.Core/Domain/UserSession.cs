namespace Pipeline.Core.Domain;

/// <summary>
/// One sign-in to the dashboard, kept on the server: the cookie carries only its <see cref="Id"/> (and the user's key),
/// so signing out, "sign out everywhere" and the absolute lifetime cap end it for every copy of the cookie.
/// </summary>
public sealed record UserSession
{
    /// <summary>A random, unguessable id (the cookie's <c>pipeline:session</c> claim).</summary>
    public required string Id { get; init; }

    /// <summary>Whose session it is: the principal's stable key (e.g. <c>admin:admin</c>, <c>oidc:&lt;sub&gt;</c>).</summary>
    public required string UserId { get; init; }

    /// <summary>The name shown for the user (for the log and operators; not used for any decision).</summary>
    public string? UserName { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The absolute end: after it the session is refused however recently it was used.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>When it was signed out (here or by "sign out everywhere"); null while it is not.</summary>
    public DateTimeOffset? RevokedAt { get; init; }

    /// <summary>Not revoked and not past its absolute end at <paramref name="now"/>.</summary>
    public bool IsActiveAt(DateTimeOffset now) => RevokedAt is null && now < ExpiresAt;
}
