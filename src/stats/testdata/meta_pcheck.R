# Expected values of src/summary/pcheck.rs (R 4.2.2). t.test cannot take summaries, so the p
# of each test is written out with pt() exactly as t.test.default computes it.
# Run: Rscript src/stats/testdata/meta_pcheck.R
num <- function(v) paste(sprintf("%.17g", v), collapse = ", ")
ps <- function(d, s1, n1, s2, n2) { df <- n1 + n2 - 2; v <- ((n1 - 1) * s1^2 + (n2 - 1) * s2^2) / df
  2 * pt(-abs(d / sqrt(v * (1 / n1 + 1 / n2))), df) }
pw <- function(d, s1, n1, s2, n2) { sx <- sqrt(s1^2 / n1); sy <- sqrt(s2^2 / n2); se <- sqrt(sx^2 + sy^2)
  df <- se^4 / (sx^4 / (n1 - 1) + sy^4 / (n2 - 1)); 2 * pt(-abs(d / se), df) }
p1 <- function(m, s, n) 2 * pt(-abs(m / (s / sqrt(n))), n - 1)
# Extremes of the Welch p over the SD box: along each outer (max) or inner (min) edge by
# optimize(), plus the corners; a 401 x 401 grid as an independent check.
welch_ext <- function(dmin, dmax, s1, n1, s2, n2, hs) {
  a <- c(max(0, s1 - hs), s1 + hs); b <- c(max(0, s2 - hs), s2 + hs); tol <- 1e-12
  hi <- max(optimize(function(x) pw(dmin, a[2], n1, x, n2), b, maximum = TRUE, tol = tol)$objective,
            optimize(function(x) pw(dmin, x, n1, b[2], n2), a, maximum = TRUE, tol = tol)$objective,
            pw(dmin, a[2], n1, b, n2), pw(dmin, a, n1, b[2], n2))
  lo <- min(optimize(function(x) pw(dmax, a[1], n1, x, n2), b, tol = tol)$objective,
            optimize(function(x) pw(dmax, x, n1, b[1], n2), a, tol = tol)$objective,
            pw(dmax, a[1], n1, b, n2), pw(dmax, a, n1, b[1], n2))
  g1 <- seq(a[1], a[2], length.out = 401); g2 <- seq(b[1], b[2], length.out = 401)
  glo <- min(outer(g1, g2, function(x, y) pw(dmax, x, n1, y, n2)))
  ghi <- max(outer(g1, g2, function(x, y) pw(dmin, x, n1, y, n2)))
  c(lo, hi, glo, ghi) }
# yang2005 walking speed: 8.60 +/- 6.95 (n = 13) vs 3.65 +/- 2.92 (n = 12), 2 decimals each.
h <- 0.005
cat("YANG_STUDENT", num(c(ps(8.60 - 3.65, 6.95, 13, 2.92, 12), ps(4.95 + 2 * h, 6.95 - h, 13, 2.92 - h, 12),
  ps(4.95 - 2 * h, 6.95 + h, 13, 2.92 + h, 12))), "\n")
w <- welch_ext(4.95 - 2 * h, 4.95 + 2 * h, 6.95, 13, 2.92, 12, h)
cat("YANG_WELCH", num(c(pw(4.95, 6.95, 13, 2.92, 12), w)), "\n")
# One sample: mean change 1.8, SD 2.1, n = 34, one decimal each.
cat("ONE", num(c(p1(1.8, 2.1, 34), p1(1.85, 2.05, 34), p1(1.75, 2.15, 34))), "\n")
# Unbalanced Welch: m 2.0 vs 0.0 (1 decimal), SD 4 vs 1 (0 decimals), n 200 vs 5. The minimum
# lies inside the edge SD2 = 0.5 (at SD1 near 3.9), the maximum at a corner.
w <- welch_ext(1.9, 2.1, 4, 200, 1, 5, 0.5)
cat("UNBAL_WELCH", num(c(pw(2, 4, 200, 1, 5), w, pw(2.1, 3.5, 200, 0.5, 5), pw(2.1, 4.5, 200, 0.5, 5))), "\n")
cat("UNBAL_ARGMIN", num(optimize(function(x) pw(2.1, x, 200, 0.5, 5), c(3.5, 4.5), tol = 1e-12)$minimum), "\n")
# The interval crosses 0: mean difference 0.0 +/- 0.1 gives p up to 1.
cat("ZERO", num(c(ps(0.1, 1.45, 10, 1.45, 10), pw(0.1, 1.45, 10, 1.45, 10))), "\n")
