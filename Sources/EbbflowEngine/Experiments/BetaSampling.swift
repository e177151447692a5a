// Draws from Beta and Gamma distributions: the posterior of a conversion rate, for experiments and the arbiter.
import Foundation

/// A conversion rate after `conversions` of `trials`, with a uniform prior, is
/// Beta(1 + conversions, 1 + trials − conversions). Experiments estimate the probability that
/// each variant is best by drawing from these posteriors; the arbiter (Thompson sampling)
/// picks the stream whose draw is highest, which explores new streams and exploits good ones.
/// The generator is a parameter: production passes the system generator, tests a seeded one.
public enum BetaSampling {
    /// One draw from Beta(alpha, beta), both > 0.
    public static func draw(alpha: Double, beta: Double, using generator: inout some RandomNumberGenerator) -> Double {
        let x = gamma(shape: alpha, using: &generator)
        let y = gamma(shape: beta, using: &generator)
        return x / (x + y)
    }

    /// A draw from the posterior of a rate after `conversions` of `trials` (uniform prior).
    public static func posteriorDraw(conversions: Int, trials: Int, using generator: inout some RandomNumberGenerator)
        -> Double
    {
        draw(alpha: 1 + Double(conversions), beta: 1 + Double(max(0, trials - conversions)), using: &generator)
    }

    /// Gamma(shape, 1) by Marsaglia and Tsang's method; shapes under 1 through the boost
    /// Gamma(a) = Gamma(a + 1) · U^(1/a).
    static func gamma(shape: Double, using generator: inout some RandomNumberGenerator) -> Double {
        if shape < 1 {
            let u = Double.random(in: Double.ulpOfOne..<1, using: &generator)
            return gamma(shape: shape + 1, using: &generator) * pow(u, 1 / shape)
        }
        let d = shape - 1.0 / 3.0
        let c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double, v: Double
            repeat {
                x = normal(using: &generator)
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = Double.random(in: Double.ulpOfOne..<1, using: &generator)
            if u < 1 - 0.0331 * x * x * x * x || log(u) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v }
        }
    }

    /// A standard normal draw (Box–Muller).
    static func normal(using generator: inout some RandomNumberGenerator) -> Double {
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &generator)
        let u2 = Double.random(in: 0..<1, using: &generator)
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
}
