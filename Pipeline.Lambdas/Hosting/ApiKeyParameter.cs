using System.Globalization;
using Amazon.Runtime;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using Microsoft.Extensions.Logging;
using Pipeline.Core.Security;

namespace Pipeline.Lambdas.Hosting;

/// <summary>
/// The trigger's API keys read from an SSM Parameter Store SecureString (<c>Pipeline:Security:ApiKeysParameter</c>, a
/// name or ARN; <c>GetParameter</c> with decryption) and kept for <c>Pipeline:Security:ApiKeysParameterCacheTtl</c>
/// (default 5 minutes), so a rotated key is taken up within that time. The value holds one entry per line (or comma):
/// a key, or its SHA-256 as <c>sha256:&lt;64 hex digits&gt;</c> so that the parameter need not hold the key itself.
/// Fails closed: a missing parameter, an empty one, or SSM failing (after the SDK's own retries) gives no keys, and the
/// trigger refuses every request until a read succeeds; a failure is not cached, so the next request reads again.
/// </summary>
internal sealed class ApiKeyParameter(IAmazonSimpleSystemsManagement ssm, string name, TimeSpan cacheFor, TimeProvider time,
    ILogger<ApiKeyParameter> logger)
{
    private const string HashPrefix = "sha256:";
    private readonly SemaphoreSlim _read = new(1, 1);
    private ApiKeyHashes? _keys;
    private DateTimeOffset _readUntil;

    public string Name => name;

    /// <summary>The keys, from the cache while it is fresh, else from SSM; null when they cannot be had (logged).</summary>
    public async Task<ApiKeyHashes?> GetAsync(CancellationToken ct)
    {
        if (Fresh() is { } cached) return cached;
        await _read.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (Fresh() is { } readMeanwhile) return readMeanwhile;
            _keys = null;
            var response = await ssm.GetParameterAsync(new GetParameterRequest { Name = name, WithDecryption = true }, ct).ConfigureAwait(false);
            var keys = Parse(response.Parameter?.Value);
            if (keys.Count == 0)
            {
                logger.LogError("SSM parameter {Parameter} holds no API key; every trigger request is refused until it does", name);
                return null;
            }
            (_keys, _readUntil) = (keys, time.GetUtcNow() + cacheFor);
            logger.LogInformation("Read {Count} API keys from SSM parameter {Parameter} (version {Version}); kept for {CacheFor}",
                keys.Count, name, response.Parameter?.Version, cacheFor);
            return keys;
        }
        catch (ParameterNotFoundException)
        {
            logger.LogError("SSM parameter {Parameter} does not exist; every trigger request is refused until it does", name);
            return null;
        }
        catch (Exception ex) when (ex is AmazonServiceException or AmazonClientException or HttpRequestException or TimeoutException
                                       || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            // AmazonServiceException: an answer from SSM (throttling after the SDK's retries, access denied, KMS);
            // AmazonClientException: no answer (credentials, network).
            logger.LogError("SSM parameter {Parameter} could not be read ({ErrorType}: {Error}); the request is refused",
                name, (ex as AmazonServiceException)?.ErrorCode ?? ex.GetType().Name, ex.Message);
            return null;
        }
        finally
        {
            _read.Release();
        }
    }

    private ApiKeyHashes? Fresh() => _keys is { } keys && time.GetUtcNow() < _readUntil ? keys : null;

    /// <summary>One entry per line or comma: a key, or <c>sha256:&lt;hex&gt;</c>; blank entries and malformed hashes are skipped.</summary>
    internal static ApiKeyHashes Parse(string? value)
    {
        var entries = (value ?? "").Split(['\n', '\r', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var keys = new ApiKeyHashes(entries.Where(e => !e.StartsWith(HashPrefix, StringComparison.OrdinalIgnoreCase)));
        foreach (var entry in entries.Where(e => e.StartsWith(HashPrefix, StringComparison.OrdinalIgnoreCase)))
        {
            var hex = entry[HashPrefix.Length..];
            if (hex.Length == 64 && hex.All(Uri.IsHexDigit)) keys.AddHash(Convert.FromHexString(hex));
        }
        return keys;
    }

    /// <summary><c>Pipeline:Security:ApiKeysParameterCacheTtl</c>: a TimeSpan from 1 second to 1 hour; default 5 minutes.</summary>
    internal static TimeSpan CacheTtl(string? configured)
    {
        if (string.IsNullOrWhiteSpace(configured)) return TimeSpan.FromMinutes(5);
        if (TimeSpan.TryParse(configured, CultureInfo.InvariantCulture, out var ttl) && configured.Contains(':')
            && ttl >= TimeSpan.FromSeconds(1) && ttl <= TimeSpan.FromHours(1))
            return ttl;
        throw new InvalidOperationException(
            $"{ApiKeyCheck.ParameterCacheTtlKey} is '{configured}'; give a TimeSpan from 00:00:01 to 01:00:00 (e.g. 00:05:00).");
    }
}
