using Pipeline.Web.Components.Shared;

namespace Pipeline.Tests.Components;

public sealed class FormatTests
{
    [Theory]
    [InlineData(0, "0")]
    [InlineData(20000, "20,000")]
    [InlineData(293900, "293,900")]
    [InlineData(-1234567, "-1,234,567")]
    public void Counts_have_thousands_separators(long value, string expected) => Assert.Equal(expected, Format.Count(value));

    [Theory]
    [InlineData(11801.1, "11,801/s")]
    [InlineData(2.54, "2.5/s")]
    [InlineData(0, "0.0/s")]
    [InlineData(double.NaN, "—")]
    public void Rates_carry_their_unit(double value, string expected) => Assert.Equal(expected, Format.Rate(value));

    [Fact]
    public void Prices_carry_the_currency_and_two_decimals()
    {
        Assert.Equal("$19.99", Format.Price(19.99m));
        Assert.Equal("$1,234.50", Format.Price(1234.5m));
        Assert.Equal("-$3.00", Format.Price(-3m));
        Assert.Equal("—", Format.Price((decimal?)null));
    }

    [Theory]
    [InlineData(300, "300 B")]
    [InlineData(1536, "1.5 KiB")]
    [InlineData(5L * 1024 * 1024 * 1024, "5.0 GiB")]
    [InlineData(300L * 1024 * 1024, "300 MiB")]
    public void Sizes_are_in_binary_units(long bytes, string expected) => Assert.Equal(expected, Format.Bytes(bytes));

    [Theory]
    [InlineData(0.85, "850 ms")]
    [InlineData(12.44, "12.4 s")]
    [InlineData(185, "3 min 05 s")]
    [InlineData(7620, "2 h 07 min")]
    [InlineData(273600, "3 d 4 h")]
    public void Durations_read_as_people_say_them(double seconds, string expected) =>
        Assert.Equal(expected, Format.Duration(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void Times_are_relative_to_now_with_the_absolute_one_available()
    {
        var now = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
        Assert.Equal("just now", Format.Relative(now.AddSeconds(-2), now));
        Assert.Equal("42 s ago", Format.Relative(now.AddSeconds(-42), now));
        Assert.Equal("3 min ago", Format.Relative(now.AddMinutes(-3.5), now));
        Assert.Equal("5 h ago", Format.Relative(now.AddHours(-5), now));
        Assert.Equal("3 d ago", Format.Relative(now.AddDays(-3), now));
        Assert.Equal("in 4 min", Format.Relative(now.AddMinutes(4.2), now));
        Assert.Equal("2026-06-01", Format.Relative(new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero), now));
        Assert.Equal("2026-12-07 11:59:05 UTC", Format.Absolute(new DateTimeOffset(2026, 12, 7, 12, 59, 5, TimeSpan.FromHours(1))));
    }
}
