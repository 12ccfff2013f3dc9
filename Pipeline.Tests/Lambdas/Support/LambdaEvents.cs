using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Pipeline.Core.Ports;

namespace Pipeline.Tests.Lambdas.Support;

/// <summary>Events in the shapes AWS delivers, built from SAM CLI's own templates.</summary>
public static class LambdaEvents
{
    /// <summary>
    /// An HTTP API (payload 2.0) <c>POST /ingestions</c> with the body base64-encoded, as SAM renders it, through the
    /// route terraform configures (AWS_IAM): <c>requestContext.authorizer</c> names the signing IAM principal
    /// (<see cref="IamAuthorizer"/>) instead of the template's JWT claims. <paramref name="iamSigned"/> false leaves the
    /// template's JWT authoriser: no IAM principal.
    /// </summary>
    public static byte[] HttpPost(string body, IReadOnlyDictionary<string, string>? headers = null, bool iamSigned = true)
    {
        var request = SamEventTemplate.Render("apigateway", "http-api-proxy", new Dictionary<string, string>
        {
            ["body"] = body, ["path"] = "ingestions", ["method"] = "POST",
        });
        request["routeKey"] = "POST /ingestions";
        request["requestContext"]!["routeKey"] = "POST /ingestions";
        if (iamSigned) request["requestContext"]!["authorizer"] = IamAuthorizer();
        var headerNode = request["headers"]!.AsObject();
        headerNode["content-type"] = "application/json";
        foreach (var (name, value) in headers ?? new Dictionary<string, string>()) headerNode[name] = value;
        return Encoding.UTF8.GetBytes(request.ToJsonString());
    }

    /// <summary>
    /// <c>requestContext.authorizer</c> of an HTTP API request API Gateway let through an AWS_IAM route (the shape AWS
    /// documents for payload 2.0: "Working with AWS Lambda proxy integrations for HTTP APIs").
    /// </summary>
    public static JsonObject IamAuthorizer() => new()
    {
        ["iam"] = new JsonObject
        {
            ["accessKey"] = "AKIAIOSFODNN7EXAMPLE",
            ["accountId"] = "123456789012",
            ["callerId"] = "AIDACKCEVSQ6C2EXAMPLE",
            ["cognitoIdentity"] = null,
            ["principalOrgId"] = null,
            ["userArn"] = "arn:aws:iam::123456789012:user/operator",
            ["userId"] = "AIDACKCEVSQ6C2EXAMPLE",
        },
    };

    /// <summary>An HTTP API event whose body is given verbatim (not base64).</summary>
    public static byte[] HttpPostRaw(string? body, bool isBase64Encoded = false)
    {
        var request = JsonNode.Parse(HttpPost(""))!;
        request["body"] = body;
        request["isBase64Encoded"] = isBase64Encoded;
        return Encoding.UTF8.GetBytes(request.ToJsonString());
    }

    /// <summary>One Kinesis batch (records of one shard), each record rendered from SAM's Kinesis template.</summary>
    public static byte[] Kinesis(IEnumerable<ReceivedRecord> records) =>
        KinesisRaw(records.Select(r => (r.ShardId, r.SequenceNumber, r.PartitionKey, Convert.ToBase64String(r.Data.Span))));

    /// <summary>A Kinesis batch with the data field given as is (e.g. not base64).</summary>
    public static byte[] KinesisRaw(IEnumerable<(string Shard, string Sequence, string PartitionKey, string Data)> records)
    {
        var all = new JsonArray();
        foreach (var (shard, sequence, partitionKey, data) in records)
        {
            var rendered = SamEventTemplate.Render("kinesis", "get-records", new Dictionary<string, string>
            {
                ["sequence"] = sequence, ["partition-key"] = partitionKey, ["data"] = "",
            });
            var record = rendered["Records"]![0]!.DeepClone();
            record["kinesis"]!["data"] = data;
            record["eventID"] = $"{shard}:{sequence}";
            all.Add(record);
        }
        return Encoding.UTF8.GetBytes(new JsonObject { ["Records"] = all }.ToJsonString());
    }

    /// <summary>An S3 event with one ObjectCreated:Put record per key (keys URL-encoded as SAM and S3 do).</summary>
    public static byte[] S3Put(IEnumerable<string> keys, string bucket = "pipeline-raw", bool plusForSpace = false)
    {
        var all = new JsonArray();
        foreach (var key in keys)
        {
            var rendered = SamEventTemplate.Render("s3", "put", new Dictionary<string, string> { ["bucket"] = bucket, ["key"] = key });
            var record = rendered["Records"]![0]!.DeepClone();
            if (plusForSpace) record["s3"]!["object"]!["key"] = WebUtility.UrlEncode(key).Replace("%2F", "/", StringComparison.Ordinal);
            all.Add(record);
        }
        return Encoding.UTF8.GetBytes(new JsonObject { ["Records"] = all }.ToJsonString());
    }
}
