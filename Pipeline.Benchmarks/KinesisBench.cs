using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pipeline.Adapters.Aws.Kinesis;
using Pipeline.Adapters.Aws.Signing;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Serialization;

namespace Pipeline.Benchmarks;

/// <summary>
/// Benchmark 4: the Kinesis publisher (<see cref="KinesisEventStream.PublishAsync"/>, as TriggerHandler calls it: 500
/// fetch tasks a call) against a bare PutRecords loop (hand-written JSON body, signed, one request per 500 records) and
/// against <see cref="KinesisClient.PutRecordsAsync"/> alone, with the same records, against one kinesalite.
/// </summary>
public static class KinesisBench
{
    private static readonly AwsCredentials Credentials = new("AKIDPIPELINEBENCH", "pipeline-bench-secret");
    private const string Region = "us-east-1";

    public static async Task<bool> RunAsync(Uri url, int records, int rounds, int shards)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var options = new KinesisStreamOptions
        {
            StreamName = "bench-" + Guid.NewGuid().ToString("N")[..12],
            Region = Region,
            ServiceUrl = url.ToString(),
            ShardCount = shards,
            CreateIfMissing = true,
            ActivationPollInterval = TimeSpan.FromMilliseconds(20),
        };
        var client = new KinesisClient(http, Options.Create(options), new StaticAwsCredentialsProvider(Credentials), NullLogger<KinesisClient>.Instance);
        var stream = new KinesisEventStream(client, Options.Create(options), NullLogger<KinesisEventStream>.Instance);
        try
        {
            await stream.EnsureCreatedAsync(CancellationToken.None);
        }
        catch (HttpRequestException ex)
        {
            Report.Note($"kinesis: no kinesalite at {url} ({ex.Message}); benchmark 4 skipped");
            return false;
        }
        try
        {
            var batches = Tasks(records).Chunk(PutRecordsBatches.MaxRecordsPerRequest).Select(b => (IReadOnlyList<StreamRecord>)b).ToList();
            var payloadBytes = batches.Sum(b => b.Sum(r => (long)r.Data.Length));
            var signer = new SigV4Signer();
            var methods = new (string Name, Func<IReadOnlyList<StreamRecord>, Task> Publish)[]
            {
                ("bare PutRecords loop (HttpClient + SigV4Signer, hand-written JSON)", batch => BarePutRecordsAsync(http, signer, url, options.StreamName, batch)),
                ("KinesisClient.PutRecordsAsync loop", async batch =>
                {
                    var response = await client.PutRecordsAsync(new PutRecordsRequest
                    {
                        StreamName = options.StreamName,
                        Records = batch.Select(r => new PutRecordsRequestEntry { Data = r.Data, PartitionKey = r.PartitionKey }).ToList(),
                    }, CancellationToken.None);
                    if (response.FailedRecordCount is > 0) throw new InvalidOperationException($"{response.FailedRecordCount} records failed");
                }),
                ("KinesisEventStream.PublishAsync (the publisher)", batch => stream.PublishAsync(batch, CancellationToken.None)),
            };
            // Warm-up: one batch each (connections, JIT).
            foreach (var (_, publish) in methods) await publish(batches[0]);
            // Interleaved: each batch goes out once per method, in a rotating order, so that a slow moment of the shared
            // machine (or of kinesalite) falls on all methods alike; a method's rate is its records over its summed time.
            var rates = methods.Select(_ => new List<double>()).ToArray();
            for (var round = 0; round < rounds; round++)
            {
                var seconds = new double[methods.Length];
                for (var b = 0; b < batches.Count; b++)
                {
                    for (var k = 0; k < methods.Length; k++)
                    {
                        var m = (b + round + k) % methods.Length;
                        var started = Stopwatch.GetTimestamp();
                        await methods[m].Publish(batches[b]);
                        seconds[m] += Stopwatch.GetElapsedTime(started).TotalSeconds;
                    }
                }
                for (var m = 0; m < methods.Length; m++) rates[m].Add(records / seconds[m]);
            }
            var bare = Median(rates[0]);
            var table = new Table(
                $"Kinesis publish against kinesalite 3.3.3 on 127.0.0.1 ({shards} shards): {records:N0} fetch tasks ({payloadBytes / records:N0} B each) in 500-record PutRecords, sequential, batches interleaved across methods, median of {rounds} rounds",
                "method", "records/s (median)", "records/s (each round)", "vs bare loop");
            for (var m = 0; m < methods.Length; m++)
                table.Add(methods[m].Name, Median(rates[m]), string.Join(", ", rates[m].Select(r => r.ToString("N0", System.Globalization.CultureInfo.InvariantCulture))),
                    $"{Median(rates[m]) / bare:P0}");
            Report.Print(table);
            return true;
        }
        finally
        {
            try { await client.DeleteStreamAsync(new DeleteStreamRequest { StreamName = options.StreamName }, CancellationToken.None); }
            catch (Exception ex) when (ex is KinesisException or HttpRequestException) { }
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return Report.Median(sorted);
    }

    /// <summary>The records TriggerHandler would publish for a 100-page-per-task Synthetic run.</summary>
    private static IEnumerable<StreamRecord> Tasks(int count)
    {
        var options = new Dictionary<string, string> { ["count"] = "1000000", ["seed"] = "42", ["pageSize"] = "100", ["epoch"] = "29000000" };
        for (var page = 1; page <= count; page++)
        {
            var task = new FetchTask
            {
                RunId = "20250101T000000Z-0a1b2c3d", Source = "synthetic", Page = page, Skip = (page - 1) * 100, Limit = 100,
                RunDate = new DateOnly(2025, 1, 1), Options = options,
            };
            yield return new StreamRecord(task.PartitionKey, JsonSerializer.SerializeToUtf8Bytes(task, CoreJsonContext.Default.FetchTask));
        }
    }

    /// <summary>The least a client can do: write the body with Utf8JsonWriter, sign it, send it, check FailedRecordCount.</summary>
    private static async Task BarePutRecordsAsync(HttpClient http, SigV4Signer signer, Uri url, string streamName, IReadOnlyList<StreamRecord> batch)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(batch.Count * 512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("StreamName", streamName);
            writer.WriteStartArray("Records");
            foreach (var record in batch)
            {
                writer.WriteStartObject();
                writer.WriteBase64String("Data", record.Data.Span);
                writer.WriteString("PartitionKey", record.PartitionKey);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        var body = buffer.WrittenMemory;
        using var message = new HttpRequestMessage(HttpMethod.Post, url);
        message.Content = new ReadOnlyMemoryContent(body);
        message.Content.Headers.ContentType = new MediaTypeHeaderValue(KinesisClient.JsonContentType);
        message.Headers.TryAddWithoutValidation("X-Amz-Target", KinesisClient.TargetPrefix + ".PutRecords");
        signer.Sign(message, body, Credentials, new SigV4SigningParameters { Region = Region, Service = KinesisClient.SigningName, Timestamp = DateTimeOffset.UtcNow });
        using var response = await http.SendAsync(message);
        var payload = await response.Content.ReadAsByteArrayAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"PutRecords answered {(int)response.StatusCode}");
        var reader = new Utf8JsonReader(payload);
        while (reader.Read())
            if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("FailedRecordCount"u8) && reader.Read() && reader.GetInt32() > 0)
                throw new InvalidOperationException("records failed");
    }
}
