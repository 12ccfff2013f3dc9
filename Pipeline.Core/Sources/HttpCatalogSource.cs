using System.Net;
using Microsoft.Extensions.Logging;
using Pipeline.Core.Domain;

namespace Pipeline.Core.Sources;

/// <summary>Fetches pages over HTTP with a size cap; retries live in the client's resilience pipeline.</summary>
public abstract class HttpCatalogSource(HttpClient http, HttpSourceOptions options, ILogger logger) : IProductSource
{
    protected HttpClient Http { get; } = http;
    protected HttpSourceOptions Options { get; } = options;

    public abstract string Name { get; }
    public abstract CatalogFormat Format { get; }

    public abstract IReadOnlyDictionary<string, string> NormalizeOptions(IReadOnlyDictionary<string, string> options);

    public abstract Task<IReadOnlyList<PagePlan>> PlanAsync(IReadOnlyDictionary<string, string> options, CancellationToken ct);

    protected abstract string PagePath(FetchTask task);

    public async Task<FetchedPage> FetchAsync(FetchTask task, CancellationToken ct)
    {
        var url = new Uri(new Uri(Options.BaseUrl.TrimEnd('/') + "/"), PagePath(task));
        var bytes = await GetBytesAsync(url, ct).ConfigureAwait(false);
        return new FetchedPage(bytes, url.ToString(), "application/json");
    }

    protected async Task<byte[]> GetBytesAsync(Uri url, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await Http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new SourceFetchException($"{Name}: GET {url} failed: {ex.Message}", null, ex);
        }
        catch (Exception ex) when (ex is TaskCanceledException or TimeoutException && !ct.IsCancellationRequested)
        {
            throw new SourceFetchException($"{Name}: GET {url} timed out", null, ex);
        }
        catch (Exception ex) when (ex.GetType().Name is "TimeoutRejectedException" or "BrokenCircuitException")
        {
            throw new SourceFetchException($"{Name}: GET {url} failed: {ex.Message}", null, ex);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                logger.LogWarning("Source {Source} answered {Status} for {Url}", Name, (int)response.StatusCode, url);
                throw new SourceFetchException(
                    $"{Name}: GET {url} answered {(int)response.StatusCode} {response.ReasonPhrase}", (int)response.StatusCode);
            }
            if (response.Content.Headers.ContentLength is { } declared && declared > Options.MaxPageBytes)
                throw new SourceFetchException($"{Name}: page of {declared} bytes is over the {Options.MaxPageBytes}-byte limit", (int)HttpStatusCode.RequestEntityTooLarge);
            // The resilience pipeline's timeouts end when the headers arrive; a body that stalls after them gets the
            // same time in all, or the fetch would wait on it for as long as the server holds the connection.
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(TimeSpan.FromSeconds(Options.TimeoutSeconds));
            try
            {
                await using var body = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
                return await ReadCappedAsync(body, Options.MaxPageBytes, deadline.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                throw new SourceFetchException($"{Name}: reading {url} failed: {ex.Message}", null, ex);
            }
            catch (OperationCanceledException ex) when (!ct.IsCancellationRequested)
            {
                throw new SourceFetchException($"{Name}: reading {url} timed out after {Options.TimeoutSeconds} s", null, ex);
            }
        }
    }

    private async Task<byte[]> ReadCappedAsync(Stream body, int max, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > max)
                throw new SourceFetchException($"{Name}: page is over the {max}-byte limit", (int)HttpStatusCode.RequestEntityTooLarge);
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
