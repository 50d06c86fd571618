using Aspire70B.Simulator.Protocol;

namespace Aspire70B.Simulator.Tests.Protocol;

public sealed class PythonFormatTests
{
    [Theory]
    [InlineData(-1.0, "-1.0")]
    [InlineData(0.0, "0.0")]
    [InlineData(0.5, "0.5")]
    [InlineData(2.5, "2.5")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.00001, "1e-05")]
    [InlineData(123456789.0, "123456789.0")]
    [InlineData(1e16, "1e+16")]
    [InlineData(1.5e300, "1.5e+300")]
    [InlineData(0.1 + 0.2, "0.30000000000000004")]
    public void FloatsReadAsPythonsRepr(double value, string expected) => Assert.Equal(expected, PythonFormat.Float(value));

    [Theory]
    [InlineData(0.001, "0.001")]
    [InlineData(2560.0, "2560.0")]
    [InlineData(12345678.0, "1.2345678e+07")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    public void PrometheusFloatsReadAsPrometheusClientWritesThem(double value, string expected) =>
        Assert.Equal(expected, PythonFormat.PrometheusFloat(value));
}
