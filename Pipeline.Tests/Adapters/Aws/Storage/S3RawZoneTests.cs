using Amazon.S3;
using Amazon.S3.Model;
using Pipeline.Adapters.Aws.S3;
using Pipeline.Core.Ports;
using Pipeline.Tests.Contracts;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Adapters.Aws.Storage;

/// <summary>The raw-zone contract on S3 (s3rver on 127.0.0.1), plus what is particular to S3.</summary>
public sealed class S3RawZoneTests : RawZoneContractTests
{
    private IAmazonS3? _client;
    private S3RawZoneOptions? _options;

    protected override async Task<IRawZone> CreateRawZoneAsync()
    {
        if (_client is null)
        {
            await EmulatorEndpoints.RequireS3Async();
            _client = EmulatorEndpoints.CreateS3Client();
            _options = new S3RawZoneOptions
            {
                BucketName = EmulatorEndpoints.UniqueName("raw"),
                Region = EmulatorEndpoints.Region,
                ServiceUrl = EmulatorEndpoints.S3Url,
                ForcePathStyle = true,
                CreateBucketIfMissing = true,
            };
        }
        var zone = new S3RawZone(_client, _options!);
        await zone.EnsureCreatedAsync(CancellationToken.None);
        return zone;
    }

    public override async Task DisposeAsync()
    {
        if (_client is null) return;
        await S3TestBuckets.DeleteAsync(_client, _options!.BucketName);
        _client.Dispose();
    }

    [Fact]
    public async Task The_sdk_default_upload_would_store_the_aws_chunked_framing_the_adapter_avoids()
    {
        // Proves the round-trip tests can fail: the SDK's default (chunked, trailing checksum) upload is stored
        // verbatim by s3rver, framing included, whereas the adapter's upload reads back byte for byte.
        var zone = await CreateRawZoneAsync();
        var bytes = SharedFixtures.ReadBytes("dummyjson", "products.json");
        await _client!.PutObjectAsync(new PutObjectRequest
        {
            BucketName = _options!.BucketName,
            Key = "raw/sdk-default.json",
            InputStream = new MemoryStream(bytes),
        });
        using var response = await _client.GetObjectAsync(_options.BucketName, "raw/sdk-default.json");
        using var stored = new MemoryStream();
        await response.ResponseStream.CopyToAsync(stored);

        Assert.False(bytes.AsSpan().SequenceEqual(stored.ToArray()), "s3rver no longer keeps aws-chunked framing; the trap is gone");

        var key = PageKey(1);
        await zone.PutAsync(key, bytes, MetadataFor(bytes), CancellationToken.None);
        var read = await zone.GetAsync(key, CancellationToken.None);
        Assert.NotNull(read);
        Assert.True(bytes.AsSpan().SequenceEqual(read.Bytes.Span));
    }

    [Fact]
    public async Task Metadata_is_stored_as_amz_meta_headers_and_non_ascii_urls_are_percent_encoded()
    {
        var zone = await CreateRawZoneAsync();
        var bytes = "[]"u8.ToArray();
        var metadata = MetadataFor(bytes, 12) with { SourceUrl = "http://127.0.0.1:8080/products/search?q=crème brûlée" };

        await zone.PutAsync(PageKey(12), bytes, metadata, CancellationToken.None);
        var head = await _client!.GetObjectMetadataAsync(_options!.BucketName, PageKey(12));
        var read = await zone.HeadAsync(PageKey(12), CancellationToken.None);

        Assert.Equal("run-1", head.Metadata["x-amz-meta-run-id"]);
        Assert.Equal("dummyjson", head.Metadata["x-amz-meta-source"]);
        Assert.Equal("2026-03-14T15:09:26.5350000Z", head.Metadata["x-amz-meta-fetched-at"]);
        Assert.Equal(metadata.Sha256, head.Metadata["x-amz-meta-sha256"]);
        Assert.Equal("12", head.Metadata["x-amz-meta-page"]);
        Assert.Equal("application/json", head.Headers.ContentType);
        Assert.NotNull(read);
        Assert.Equal("http://127.0.0.1:8080/products/search?q=cr%C3%A8me br%C3%BBl%C3%A9e", read.SourceUrl);
    }

    [Fact]
    public async Task A_missing_bucket_is_an_error_not_an_empty_raw_zone()
    {
        await CreateRawZoneAsync();
        var missing = new S3RawZone(_client!, new S3RawZoneOptions { BucketName = EmulatorEndpoints.UniqueName("nobucket"), Region = EmulatorEndpoints.Region });

        await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => missing.GetAsync(PageKey(1), CancellationToken.None));
    }
}

/// <summary>Empties and deletes a test bucket.</summary>
internal static class S3TestBuckets
{
    public static async Task DeleteAsync(IAmazonS3 client, string bucket)
    {
        try
        {
            string? token = null;
            do
            {
                var listing = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, ContinuationToken = token });
                if (listing.S3Objects is { Count: > 0 } objects)
                {
                    await client.DeleteObjectsAsync(new DeleteObjectsRequest
                    {
                        BucketName = bucket,
                        Objects = objects.Select(o => new KeyVersion { Key = o.Key }).ToList(),
                    });
                }
                token = listing.IsTruncated == true ? listing.NextContinuationToken : null;
            } while (token is not null);
            await client.DeleteBucketAsync(bucket);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchBucket")
        {
        }
    }
}
