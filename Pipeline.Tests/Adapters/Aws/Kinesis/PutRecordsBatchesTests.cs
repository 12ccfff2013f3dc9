using Pipeline.Adapters.Aws.Kinesis;
using Pipeline.Core.Ports;

namespace Pipeline.Tests.Adapters.Aws.Kinesis;

public sealed class PutRecordsBatchesTests
{
    [Fact]
    public void Splits_at_500_records()
    {
        var records = Enumerable.Range(0, 1001).Select(i => new StreamRecord("k", new byte[] { 1 })).ToList();

        Assert.Equal([(0, 500), (500, 500), (1000, 1)], PutRecordsBatches.Split(records));
    }

    [Fact]
    public void Fills_a_request_up_to_exactly_5_MiB_and_no_further()
    {
        // Five records of exactly 1 MiB (data + 1-byte key) make exactly 5 MiB; one more byte opens a new request.
        var exact = Enumerable.Range(0, 5).Select(_ => new StreamRecord("k", new byte[PutRecordsBatches.MaxRecordBytes - 1])).ToList();
        var over = exact.Append(new StreamRecord("k", Array.Empty<byte>())).ToList();

        Assert.Equal([(0, 5)], PutRecordsBatches.Split(exact));
        Assert.Equal([(0, 5), (5, 1)], PutRecordsBatches.Split(over));
    }

    [Fact]
    public void Counts_the_partition_key_in_UTF8_bytes()
    {
        var key = new string('é', 10); // 20 UTF-8 bytes
        var record = new StreamRecord(key, new byte[PutRecordsBatches.MaxRecordBytes - 20]);

        Assert.Equal(PutRecordsBatches.MaxRecordBytes, PutRecordsBatches.SizeOf(record));
        PutRecordsBatches.Validate([record]);
        Assert.Throws<ArgumentException>(() => PutRecordsBatches.Validate([record with { PartitionKey = key + "x" }]));
    }

    [Fact]
    public void Nothing_to_publish_makes_no_request()
    {
        Assert.Empty(PutRecordsBatches.Split([]));
    }
}
