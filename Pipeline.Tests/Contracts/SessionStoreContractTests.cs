using Pipeline.Core.Domain;
using Pipeline.Core.Ports;

namespace Pipeline.Tests.Contracts;

/// <summary>
/// What every run store must do as the dashboard's session store (<see cref="ISessionStore"/>), SQLite and DynamoDB alike.
/// Derive once per implementation; each test gets a fresh, empty store from <see cref="CreateStoreAsync"/> (already EnsureCreated).
/// </summary>
public abstract class SessionStoreContractTests<TStore> : IAsyncLifetime
    where TStore : ISessionStore
{
    protected static readonly DateTimeOffset T0 = new(2026, 3, 1, 6, 0, 0, 250, TimeSpan.Zero);

    /// <summary>A new, empty store for one test.</summary>
    protected abstract Task<TStore> CreateStoreAsync();

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    private static UserSession NewSession(string id, string userId = "admin:admin", DateTimeOffset? createdAt = null, TimeSpan? lifetime = null)
    {
        var created = createdAt ?? T0;
        return new UserSession { Id = id, UserId = userId, UserName = "admin", CreatedAt = created, ExpiresAt = created + (lifetime ?? TimeSpan.FromHours(24)) };
    }

    [Fact]
    public async Task A_created_session_reads_back_whole_and_active()
    {
        var store = await CreateStoreAsync();
        var session = NewSession("s-1");

        Assert.True(await store.CreateSessionAsync(session, CancellationToken.None));
        var stored = await store.GetSessionAsync("admin:admin", "s-1", CancellationToken.None);

        Assert.Equal(session, stored);
        Assert.True(stored!.IsActiveAt(T0.AddHours(1)));
        Assert.False(stored.IsActiveAt(T0.AddHours(24)));
    }

    [Fact]
    public async Task A_session_id_is_created_once()
    {
        var store = await CreateStoreAsync();
        Assert.True(await store.CreateSessionAsync(NewSession("s-1"), CancellationToken.None));

        Assert.False(await store.CreateSessionAsync(NewSession("s-1") with { UserName = "other" }, CancellationToken.None));

        Assert.Equal("admin", (await store.GetSessionAsync("admin:admin", "s-1", CancellationToken.None))!.UserName);
    }

    [Fact]
    public async Task A_session_is_found_only_with_its_own_user()
    {
        var store = await CreateStoreAsync();
        await store.CreateSessionAsync(NewSession("s-1", "admin:admin"), CancellationToken.None);

        Assert.Null(await store.GetSessionAsync("oidc:someone", "s-1", CancellationToken.None));
        Assert.Null(await store.GetSessionAsync("admin:admin", "s-2", CancellationToken.None));
        Assert.False(await store.RevokeSessionAsync("oidc:someone", "s-1", T0, CancellationToken.None));
        Assert.Null((await store.GetSessionAsync("admin:admin", "s-1", CancellationToken.None))!.RevokedAt);
    }

    [Fact]
    public async Task Revoking_ends_the_session_once_and_keeps_the_first_time()
    {
        var store = await CreateStoreAsync();
        await store.CreateSessionAsync(NewSession("s-1"), CancellationToken.None);

        Assert.True(await store.RevokeSessionAsync("admin:admin", "s-1", T0.AddMinutes(5), CancellationToken.None));
        Assert.False(await store.RevokeSessionAsync("admin:admin", "s-1", T0.AddMinutes(9), CancellationToken.None));
        Assert.False(await store.RevokeSessionAsync("admin:admin", "absent", T0.AddMinutes(9), CancellationToken.None));

        var stored = await store.GetSessionAsync("admin:admin", "s-1", CancellationToken.None);
        Assert.Equal(T0.AddMinutes(5), stored!.RevokedAt);
        Assert.False(stored.IsActiveAt(T0.AddMinutes(6)));
    }

    [Fact]
    public async Task Revoking_a_users_sessions_ends_all_of_them_and_no_one_elses()
    {
        var store = await CreateStoreAsync();
        await store.CreateSessionAsync(NewSession("a-1"), CancellationToken.None);
        await store.CreateSessionAsync(NewSession("a-2", createdAt: T0.AddMinutes(1)), CancellationToken.None);
        await store.CreateSessionAsync(NewSession("a-3", createdAt: T0.AddMinutes(2)), CancellationToken.None);
        await store.RevokeSessionAsync("admin:admin", "a-3", T0.AddMinutes(3), CancellationToken.None);
        await store.CreateSessionAsync(NewSession("b-1", "oidc:other"), CancellationToken.None);

        Assert.Equal(2, await store.RevokeUserSessionsAsync("admin:admin", T0.AddMinutes(10), CancellationToken.None));

        foreach (var id in new[] { "a-1", "a-2" })
            Assert.Equal(T0.AddMinutes(10), (await store.GetSessionAsync("admin:admin", id, CancellationToken.None))!.RevokedAt);
        Assert.Equal(T0.AddMinutes(3), (await store.GetSessionAsync("admin:admin", "a-3", CancellationToken.None))!.RevokedAt);
        Assert.Null((await store.GetSessionAsync("oidc:other", "b-1", CancellationToken.None))!.RevokedAt);
        Assert.Equal(0, await store.RevokeUserSessionsAsync("nobody", T0, CancellationToken.None));
    }

    [Fact]
    public async Task Pruning_deletes_a_users_ended_sessions_only()
    {
        var store = await CreateStoreAsync();
        await store.CreateSessionAsync(NewSession("expired", lifetime: TimeSpan.FromHours(1)), CancellationToken.None);
        await store.CreateSessionAsync(NewSession("revoked"), CancellationToken.None);
        await store.RevokeSessionAsync("admin:admin", "revoked", T0.AddMinutes(30), CancellationToken.None);
        await store.CreateSessionAsync(NewSession("revoked-later"), CancellationToken.None);
        await store.RevokeSessionAsync("admin:admin", "revoked-later", T0.AddHours(3), CancellationToken.None);
        await store.CreateSessionAsync(NewSession("active"), CancellationToken.None);
        await store.CreateSessionAsync(NewSession("other-expired", "oidc:other", lifetime: TimeSpan.FromHours(1)), CancellationToken.None);

        Assert.Equal(2, await store.PruneUserSessionsAsync("admin:admin", T0.AddHours(2), CancellationToken.None));

        Assert.Null(await store.GetSessionAsync("admin:admin", "expired", CancellationToken.None));
        Assert.Null(await store.GetSessionAsync("admin:admin", "revoked", CancellationToken.None));
        Assert.NotNull(await store.GetSessionAsync("admin:admin", "revoked-later", CancellationToken.None));
        Assert.NotNull(await store.GetSessionAsync("admin:admin", "active", CancellationToken.None));
        Assert.NotNull(await store.GetSessionAsync("oidc:other", "other-expired", CancellationToken.None));
    }
}
