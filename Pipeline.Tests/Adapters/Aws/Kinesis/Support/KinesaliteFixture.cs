using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Adapters.Aws.Kinesis;
using Pipeline.Adapters.Aws.Signing;

namespace Pipeline.Tests.Adapters.Aws.Kinesis.Support;

/// <summary>
/// The local Kinesis API server (kinesalite) the tests run against: 127.0.0.1:4567, or PIPELINE_KINESIS_URL.
/// Fails every test of the class with a clear message when nothing answers there.
/// </summary>
public sealed class KinesaliteFixture : IAsyncLifetime
{
    public const string Region = "us-east-1";

    public static readonly AwsCredentials Credentials = new("AKIDPIPELINETEST", "pipeline-test-secret");

    public Uri Url { get; } = new(Environment.GetEnvironmentVariable("PIPELINE_KINESIS_URL") is { Length: > 0 } url ? url : EmulatorEndpoints.KinesisUrl);

    public async Task InitializeAsync()
    {
        string? failure = null;
        try
        {
            using var tcp = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            await tcp.ConnectAsync(Url.Host, Url.Port, timeout.Token);

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            using var probe = new HttpRequestMessage(HttpMethod.Post, Url);
            probe.Content = new StringContent("{}", Encoding.UTF8);
            probe.Content.Headers.ContentType = new(KinesisClient.JsonContentType);
            probe.Headers.TryAddWithoutValidation("X-Amz-Target", KinesisClient.TargetPrefix + ".ListStreams");
            new SigV4Signer().Sign(probe, "{}"u8.ToArray(), Credentials,
                new SigV4SigningParameters { Region = Region, Service = KinesisClient.SigningName, Timestamp = DateTimeOffset.UtcNow });
            using var response = await http.SendAsync(probe);
            var body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode || !body.Contains("StreamNames", StringComparison.Ordinal))
                failure = $"it answered HTTP {(int)response.StatusCode} '{body}' to ListStreams";
        }
        catch (Exception ex) when (ex is SocketException or HttpRequestException or OperationCanceledException)
        {
            failure = ex.GetType().Name + ": " + ex.Message;
        }
        if (failure is not null)
            throw new InvalidOperationException(
                $"No Kinesis API server (kinesalite) answers at {Url}: {failure}. Start it with tools/emulators/start.sh " +
                "(or point PIPELINE_KINESIS_URL at one).");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>A stream name no other test uses.</summary>
    public static string UniqueStreamName(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>Options for tests: fast retries and polling.</summary>
    public KinesisStreamOptions Options(string streamName, int shardCount, Uri? serviceUrl = null) => new()
    {
        StreamName = streamName,
        Region = Region,
        ServiceUrl = (serviceUrl ?? Url).ToString(),
        ShardCount = shardCount,
        CreateIfMissing = true,
        MaxAttempts = 5,
        RetryBaseDelay = TimeSpan.FromMilliseconds(1),
        RetryMaxDelay = TimeSpan.FromMilliseconds(20),
        ActivationPollInterval = TimeSpan.FromMilliseconds(20),
        ActivationTimeout = TimeSpan.FromSeconds(30),
    };

    public KinesisHarness Harness(KinesisStreamOptions options) => new(options);
}

/// <summary>
/// A client and a stream adapter over one <see cref="ModelCheckingHandler"/> that records every request. Disposing
/// deletes the stream (kinesalite counts open shards against its shard limit).
/// </summary>
public sealed class KinesisHarness : IAsyncDisposable
{
    private readonly HttpClient _http;

    internal KinesisHarness(KinesisStreamOptions options)
    {
        Options = options;
        Requests = new ModelCheckingHandler(options.Region);
        _http = new HttpClient(Requests) { Timeout = TimeSpan.FromSeconds(30) };
        Client = new KinesisClient(_http, Microsoft.Extensions.Options.Options.Create(options),
            new StaticAwsCredentialsProvider(KinesaliteFixture.Credentials), NullLogger<KinesisClient>.Instance);
        Stream = new KinesisEventStream(Client, Microsoft.Extensions.Options.Options.Create(options), NullLogger<KinesisEventStream>.Instance);
    }

    public KinesisStreamOptions Options { get; }

    internal ModelCheckingHandler Requests { get; }

    public KinesisClient Client { get; }

    public KinesisEventStream Stream { get; }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Client.DeleteStreamAsync(new DeleteStreamRequest { StreamName = Options.StreamName }, CancellationToken.None);
        }
        catch (KinesisException ex) when (ex.IsResourceNotFound)
        {
            // never created
        }
        catch (Exception ex) when (ex is HttpRequestException or KinesisException)
        {
            // a test server in front of kinesalite may be gone already; the stream then stays until the server stops
        }
        _http.Dispose();
    }
}
