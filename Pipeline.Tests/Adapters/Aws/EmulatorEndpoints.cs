using System.Net.Sockets;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;

namespace Pipeline.Tests.Adapters.Aws;

/// <summary>
/// Where the local AWS-API servers of tools/emulators/start.sh listen (127.0.0.1; ports overridable with KINESIS_PORT,
/// DYNAMODB_PORT, S3_PORT), dummy credentials for them, and a check that fails a test clearly when one is not running.
/// </summary>
public static class EmulatorEndpoints
{
    public const string Host = "127.0.0.1";
    public const string Region = "us-east-1";

    /// <summary>The servers verify no signatures; any key works (s3rver's launcher accepts every access key id).</summary>
    public const string AccessKeyId = "test";
    public const string SecretAccessKey = "test";

    public static int KinesisPort => Port("KINESIS_PORT", 4567);
    public static int DynamoDbPort => Port("DYNAMODB_PORT", 4568);
    public static int S3Port => Port("S3_PORT", 4569);

    public static string KinesisUrl => $"http://{Host}:{KinesisPort}";
    public static string DynamoDbUrl => $"http://{Host}:{DynamoDbPort}";
    public static string S3Url => $"http://{Host}:{S3Port}";

    public static AWSCredentials Credentials => new BasicAWSCredentials(AccessKeyId, SecretAccessKey);

    /// <summary>Fails with a message that says how to start the servers when nothing answers on the port.</summary>
    public static async Task RequireAsync(string server, int port)
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        try
        {
            await client.ConnectAsync(Host, port, timeout.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            throw new InvalidOperationException(
                $"{server} is not answering on {Host}:{port}: run tools/emulators/start.sh (and tools/emulators/stop.sh afterwards).", e);
        }
    }

    public static Task RequireKinesisAsync() => RequireAsync("Kinesis (kinesalite)", KinesisPort);
    public static Task RequireDynamoDbAsync() => RequireAsync("DynamoDB (dynalite)", DynamoDbPort);
    public static Task RequireS3Async() => RequireAsync("S3 (s3rver)", S3Port);

    public static IAmazonS3 CreateS3Client() =>
        new AmazonS3Client(Credentials, new AmazonS3Config { ServiceURL = S3Url, ForcePathStyle = true, AuthenticationRegion = Region });

    /// <summary>A DynamoDB client for dynalite, or for another endpoint in front of it (e.g. a test proxy).</summary>
    public static IAmazonDynamoDB CreateDynamoDbClient(string? serviceUrl = null) =>
        new AmazonDynamoDBClient(Credentials, new AmazonDynamoDBConfig { ServiceURL = serviceUrl ?? DynamoDbUrl, AuthenticationRegion = Region });

    /// <summary>A short unique lower-case name (bucket, table prefix, stream) for one test.</summary>
    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    private static int Port(string variable, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), out var port) && port is > 0 and < 65536 ? port : fallback;
}
