using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Xunit.Sdk;

namespace Pipeline.Tests.Adapters.Aws.Kinesis.Support;

/// <summary>One request the Kinesis client sent.</summary>
internal sealed record SentRequest(string Operation, byte[] Body, IReadOnlyList<string> Problems);

/// <summary>
/// Sits between <c>KinesisClient</c> and the network in every Kinesis test: checks each request against the service
/// model (operation, members, JSON types, required members) and the protocol headers, records it, and fails the
/// call (and with it the test) when something does not conform.
/// </summary>
internal sealed partial class ModelCheckingHandler(string region) : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly ConcurrentQueue<SentRequest> _sent = new();

    public IReadOnlyList<SentRequest> Sent => _sent.ToArray();

    public IEnumerable<SentRequest> SentOf(string operation) => _sent.Where(s => s.Operation == operation);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var model = KinesisServiceModel.Instance;
        var problems = new List<string>();
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);

        var target = request.Headers.TryGetValues("X-Amz-Target", out var targets) ? targets.Single() : "";
        var operation = target.StartsWith(model.TargetPrefix + ".", StringComparison.Ordinal) ? target[(model.TargetPrefix.Length + 1)..] : "";
        if (operation.Length == 0) problems.Add($"X-Amz-Target '{target}' does not start with {model.TargetPrefix}.");
        else problems.AddRange(model.Validate(operation, body));

        if (request.Method != HttpMethod.Post) problems.Add("method must be POST, was " + request.Method);
        if (request.RequestUri?.AbsolutePath != "/") problems.Add("path must be /, was " + request.RequestUri?.AbsolutePath);
        var contentType = request.Content?.Headers.ContentType?.ToString();
        if (contentType != "application/x-amz-json-" + model.JsonVersion) problems.Add("Content-Type was " + contentType);
        if (!request.Headers.TryGetValues("X-Amz-Date", out var dates) || !DatePattern().IsMatch(dates.Single()))
            problems.Add("X-Amz-Date missing or malformed");
        var authorization = request.Headers.Authorization?.ToString() ?? "";
        var expected = new Regex(
            $@"^AWS4-HMAC-SHA256 Credential=[A-Z0-9]+/\d{{8}}/{Regex.Escape(region)}/{model.SigningName}/aws4_request, " +
            @"SignedHeaders=content-type;host;x-amz-date(;x-amz-security-token)?;x-amz-target, Signature=[0-9a-f]{64}$");
        if (!expected.IsMatch(authorization)) problems.Add("Authorization header does not match the SigV4 form: " + authorization);

        _sent.Enqueue(new SentRequest(operation, body, problems));
        if (problems.Count > 0)
            throw new XunitException($"Kinesis request {operation} does not conform to service-2.json:\n  " + string.Join("\n  ", problems));
        return await base.SendAsync(request, cancellationToken);
    }

    [GeneratedRegex(@"^\d{8}T\d{6}Z$")]
    private static partial Regex DatePattern();
}
