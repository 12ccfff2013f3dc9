using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Pipeline.Lambdas.Hosting;

/// <summary>Reads an invocation payload (tolerating a UTF-8 BOM) and writes an answer as the runtime wants it.</summary>
internal static class LambdaPayload
{
    /// <summary>Larger than any event Lambda delivers (6 MB synchronous, 1 MB asynchronous).</summary>
    public const int MaxEventBytes = 8 * 1024 * 1024;

    public static async Task<ReadOnlyMemory<byte>> ReadAsync(Stream input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await input.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxEventBytes)
                throw new InvalidDataException($"The invocation payload is larger than {MaxEventBytes} bytes.");
            buffer.Write(chunk, 0, read);
        }
        return WithoutBom(buffer.ToArray());
    }

    public static ReadOnlyMemory<byte> WithoutBom(ReadOnlyMemory<byte> bytes) =>
        bytes.Span.StartsWith("\uFEFF"u8) ? bytes[3..] : bytes;

    public static T Deserialize<T>(ReadOnlyMemory<byte> payload, JsonTypeInfo<T> type, string what) =>
        JsonSerializer.Deserialize(payload.Span, type) ?? throw new InvalidDataException($"The invocation payload is not {what} (it is null).");

    /// <summary>A stream positioned at 0 holding the serialised answer (the runtime copies it to the response).</summary>
    public static Stream Write<T>(T value, JsonTypeInfo<T> type) =>
        new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(value, type), writable: false);
}
