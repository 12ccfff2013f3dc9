using System.Text;
using Pipeline.Core.Ports;

namespace Pipeline.Adapters.Aws.Kinesis;

/// <summary>The PutRecords limits and the split of a publish call into requests that respect them.</summary>
public static class PutRecordsBatches
{
    /// <summary>Records per PutRecords request.</summary>
    public const int MaxRecordsPerRequest = 500;

    /// <summary>Size of one record: data plus partition key (1 MiB).</summary>
    public const int MaxRecordBytes = 1024 * 1024;

    /// <summary>Size of one request: the sum of its records' sizes (5 MiB).</summary>
    public const int MaxRequestBytes = 5 * 1024 * 1024;

    public const int MaxPartitionKeyLength = 256;

    /// <summary>Bytes a record counts against the limits: data plus the UTF-8 partition key.</summary>
    public static int SizeOf(in StreamRecord record) => record.Data.Length + Encoding.UTF8.GetByteCount(record.PartitionKey);

    /// <summary>
    /// Checks every record before anything is sent: partition key of 1..256 characters, data plus key ≤ 1 MiB.
    /// Throws <see cref="ArgumentException"/> naming the record, its partition key and its size.
    /// </summary>
    public static void Validate(IReadOnlyList<StreamRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            if (string.IsNullOrEmpty(record.PartitionKey) || record.PartitionKey.Length > MaxPartitionKeyLength)
                throw new ArgumentException(
                    $"Record {i}: the partition key must be 1 to {MaxPartitionKeyLength} characters long; it has {record.PartitionKey?.Length ?? 0}.",
                    nameof(records));
            var size = SizeOf(record);
            if (size > MaxRecordBytes)
                throw new ArgumentException(
                    $"Record {i} with partition key '{record.PartitionKey}' is {size:N0} bytes (data {record.Data.Length:N0} + partition key " +
                    $"{size - record.Data.Length:N0}); Kinesis accepts at most {MaxRecordBytes:N0} bytes (1 MiB) per record. Nothing was published.",
                    nameof(records));
        }
    }

    /// <summary>Consecutive (start, count) slices of at most 500 records and 5 MiB each, in order.</summary>
    public static IEnumerable<(int Start, int Count)> Split(IReadOnlyList<StreamRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var start = 0;
        long bytes = 0;
        for (var i = 0; i < records.Count; i++)
        {
            var size = SizeOf(records[i]);
            var count = i - start;
            if (count > 0 && (count == MaxRecordsPerRequest || bytes + size > MaxRequestBytes))
            {
                yield return (start, count);
                start = i;
                bytes = 0;
            }
            bytes += size;
        }
        if (records.Count > start) yield return (start, records.Count - start);
    }
}
