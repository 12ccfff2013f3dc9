
namespace Pipeline.Core.Sources;

public sealed class FakeStoreOptions : HttpSourceOptions
{
    public const string Section = "Pipeline:Sources:FakeStore";

    public FakeStoreOptions()
    {
        BaseUrl = "https://fakestoreapi.com";
        PageSize = 20;
    }
}
