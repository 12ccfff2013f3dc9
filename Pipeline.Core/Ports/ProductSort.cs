
namespace Pipeline.Core.Ports;

public enum ProductSort
{
    Title,
    PriceAscending,
    PriceDescending,
}
