using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Adapters.Aws.DynamoDb;

namespace Pipeline.Tests.Adapters.Aws.Storage;

/// <summary>
/// The data-protection key repository in the DynamoDB runs table (dynalite on 127.0.0.1): elements round-trip, and two
/// data-protection stacks on the same table (two dashboard instances) read each other's protected payloads (cookies).
/// </summary>
public sealed class DynamoDbDataProtectionKeysTests : IAsyncLifetime
{
    private DynamoDbTestTables _tables = null!;

    public async Task InitializeAsync() => _tables = await DynamoDbTestTables.CreateAsync();

    public async Task DisposeAsync() => await _tables.DisposeAsync();

    private async Task<DynamoDbRunStore> StoreAsync()
    {
        var store = new DynamoDbRunStore(_tables.Client, _tables.Options);
        await store.EnsureCreatedAsync(CancellationToken.None);
        return store;
    }

    private static ServiceProvider Instance(DynamoDbRunStore store)
    {
        var services = new ServiceCollection();
        services.AddDataProtection().SetApplicationName("Pipeline");
        services.Configure<KeyManagementOptions>(o => o.XmlRepository = store);
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task Stored_elements_are_read_back_by_another_store_on_the_same_table()
    {
        var writer = await StoreAsync();
        Assert.Empty(writer.GetAllElements());
        var first = new XElement("key", new XAttribute("id", "1"), new XElement("secret", "a & <b>"));
        var second = new XElement("revocation", new XAttribute("version", "1"), "everything before now");

        writer.StoreElement(first, "key-1");
        writer.StoreElement(second, "revocation-1");
        var read = (await StoreAsync()).GetAllElements();

        Assert.Equal(2, read.Count);
        Assert.Contains(read, e => XNode.DeepEquals(e, first));
        Assert.Contains(read, e => XNode.DeepEquals(e, second));
        Assert.Empty(await writer.ListRunsAsync(100, CancellationToken.None)); // keys are no runs
    }

    [Fact]
    public async Task Two_instances_on_the_same_table_unprotect_each_others_payloads()
    {
        using var one = Instance(await StoreAsync());
        using var another = Instance(await StoreAsync());

        var payload = one.GetRequiredService<IDataProtectionProvider>().CreateProtector("cookie").Protect("signed in as admin");

        Assert.Equal("signed in as admin", another.GetRequiredService<IDataProtectionProvider>().CreateProtector("cookie").Unprotect(payload));
        Assert.Single((await StoreAsync()).GetAllElements(), e => e.Name.LocalName == "key");
    }
}
