
namespace Pipeline.Core.Sources;

public sealed class DummyJsonOptions : HttpSourceOptions
{
    public const string Section = "Pipeline:Sources:DummyJson";

    public DummyJsonOptions()
    {
        BaseUrl = "https://dummyjson.com";
        PageSize = 30;
    }
}
