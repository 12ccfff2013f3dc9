namespace Pipeline.Tests.Terraform;

/// <summary>Parses the repository's terraform/ folder once for all Terraform tests.</summary>
public sealed class TerraformFixture : IAsyncLifetime
{
    private TerraformConfiguration? _configuration;

    /// <summary>The parsed terraform/ folder.</summary>
    public TerraformConfiguration Configuration =>
        _configuration ?? throw new InvalidOperationException("The Terraform configuration has not been parsed.");

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var folder = Path.Combine(TerraformConfiguration.RepositoryRoot(), "terraform");
        _configuration = await TerraformConfiguration.ParseAsync(folder, CancellationToken.None);
    }

    /// <inheritdoc />
    public Task DisposeAsync() => Task.CompletedTask;
}

/// <summary>The test collection that shares one <see cref="TerraformFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class TerraformCollection : ICollectionFixture<TerraformFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Terraform";
}
