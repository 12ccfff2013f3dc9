using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Pipeline.Web.Security;

/// <summary>
/// Slows password guessing without letting a neighbour lock anyone out. Each (client address, typed user name) pair gets
/// <see cref="SignInThrottleOptions.FreeFailures"/> free failures, then a wait that doubles with each further failure up
/// to <see cref="SignInThrottleOptions.MaxDelaySeconds"/>; a success clears it. The wait applies to that pair only: the
/// same user from another address, or another user from the same address, is not slowed. Besides, each address gets at
/// most <see cref="SignInOptions.PermitLimit"/> password checks per <see cref="SignInOptions.WindowSeconds"/> (attempts a
/// pair's wait refuses do not count). A failure counts once the password was checked and found wrong: several people
/// behind one address signing in as the same user at once are not slowed, and parallel guesses are bounded by the
/// address's checks per window. Memory is bounded (<see cref="SignInThrottleOptions.MaxTrackedEntries"/>); pairs are
/// kept as a keyed hash, never the name typed.
/// </summary>
public sealed class SignInThrottle
{
    private readonly SignInThrottleOptions _options;
    private readonly int _clientLimit;
    private readonly TimeSpan _clientWindow;
    private readonly TimeSpan _forgetAfter;
    private readonly TimeProvider _clock;
    private readonly byte[] _pairKeySecret = RandomNumberGenerator.GetBytes(32);
    private readonly Lock _gate = new();
    private readonly Dictionary<UInt128, PairState> _pairs = [];
    private readonly Dictionary<string, ClientWindow> _clients = new(StringComparer.Ordinal);

    public SignInThrottle(IOptions<SignInThrottleOptions> options, IOptions<SignInOptions> signIn, TimeProvider clock)
    {
        _options = options.Value;
        _clientLimit = signIn.Value.PermitLimit;
        _clientWindow = TimeSpan.FromSeconds(signIn.Value.WindowSeconds);
        _forgetAfter = TimeSpan.FromSeconds(_options.ForgetAfterSeconds);
        _clock = clock;
    }

    /// <summary>(Address, user name) pairs and addresses remembered now.</summary>
    internal int TrackedEntries
    {
        get { lock (_gate) return _pairs.Count + _clients.Count; }
    }

    /// <summary>
    /// Null when the password may be checked (then call <see cref="Failed"/> or <see cref="Succeeded"/>); otherwise how
    /// long to wait.
    /// </summary>
    public SignInRefusal? TryBegin(string client, string? userName)
    {
        var now = _clock.GetUtcNow();
        var key = PairKey(client, userName);
        lock (_gate)
        {
            if (_pairs.TryGetValue(key, out var pair) && now - pair.LastAttempt >= _forgetAfter)
            {
                _pairs.Remove(key);
                pair = null;
            }
            if (pair is not null && now < pair.NotBefore)
                return new SignInRefusal(pair.NotBefore - now, "too many failed attempts for this user name from this address");

            if (!_clients.TryGetValue(client, out var window) || now - window.Start >= _clientWindow)
                _clients[client] = window = new ClientWindow { Start = now };
            if (window.Count >= _clientLimit)
                return new SignInRefusal(window.Start + _clientWindow - now, "too many attempts from this address");
            window.Count++;
            if (pair is not null) pair.LastAttempt = now;
            Trim(now);
            return null;
        }
    }

    /// <summary>A wrong password: the pair's failures grow, and past the free ones its next attempt waits.</summary>
    public void Failed(string client, string? userName)
    {
        var now = _clock.GetUtcNow();
        var key = PairKey(client, userName);
        lock (_gate)
        {
            if (!_pairs.TryGetValue(key, out var pair)) _pairs[key] = pair = new PairState();
            pair.Failures++;
            pair.LastAttempt = now;
            pair.NotBefore = now + Delay(pair.Failures);
            Trim(now);
        }
    }

    /// <summary>The right password: the pair's failures are forgotten (the address's window is not).</summary>
    public void Succeeded(string client, string? userName)
    {
        var key = PairKey(client, userName);
        lock (_gate) _pairs.Remove(key);
    }

    /// <summary>The wait after <paramref name="failures"/> failures: none for the free ones, then doubling, capped.</summary>
    internal TimeSpan Delay(int failures)
    {
        var past = failures - _options.FreeFailures;
        if (past <= 0) return TimeSpan.Zero;
        var seconds = past > 30 ? _options.MaxDelaySeconds : Math.Min((long)_options.FirstDelaySeconds << (past - 1), _options.MaxDelaySeconds);
        return TimeSpan.FromSeconds(seconds);
    }

    private UInt128 PairKey(string client, string? userName)
    {
        Span<byte> hash = stackalloc byte[32];
        HMACSHA256.HashData(_pairKeySecret, Encoding.UTF8.GetBytes($"{client}\n{userName}"), hash);
        return BinaryPrimitives.ReadUInt128LittleEndian(hash);
    }

    /// <summary>Over the bound: drop what is expired, then the oldest, down to 90% (so a sweep runs at most every 10% of the bound).</summary>
    private void Trim(DateTimeOffset now)
    {
        var bound = _options.MaxTrackedEntries;
        if (_pairs.Count + _clients.Count <= bound) return;
        foreach (var (key, pair) in _pairs.Where(p => now - p.Value.LastAttempt >= _forgetAfter).ToList()) _pairs.Remove(key);
        foreach (var (key, window) in _clients.Where(c => now - c.Value.Start >= _clientWindow).ToList()) _clients.Remove(key);
        var target = bound * 9 / 10;
        var excess = _pairs.Count + _clients.Count - target;
        if (excess <= 0) return;
        foreach (var key in _pairs.OrderBy(p => p.Value.LastAttempt).Take(excess).Select(p => p.Key).ToList()) _pairs.Remove(key);
        excess = _pairs.Count + _clients.Count - target;
        foreach (var key in _clients.OrderBy(c => c.Value.Start).Take(Math.Max(0, excess)).Select(c => c.Key).ToList()) _clients.Remove(key);
    }

    private sealed class PairState
    {
        public int Failures;
        public DateTimeOffset LastAttempt;
        public DateTimeOffset NotBefore;
    }

    private sealed class ClientWindow
    {
        public DateTimeOffset Start;
        public int Count;
    }
}
