# Expected values of src/stats/proportion.rs (R 4.2.2, base R only).
# Run: Rscript src/stats/testdata/proportion.R
# Prints Rust tuples to paste into the tests; NaN marks a value that is not defined.
num <- function(v) paste(sprintf("%.17g", v), collapse = ", ")
z <- qnorm(0.975)

# Wilson interval: prop.test without continuity correction, checked against the closed form.
wilson <- function(x, n) {
  ci <- suppressWarnings(prop.test(x, n, correct = FALSE))$conf.int
  p <- x / n
  hand <- (p + z^2 / (2 * n) + c(-1, 1) * z * sqrt(p * (1 - p) / n + z^2 / (4 * n^2))) /
    (1 + z^2 / n)
  stopifnot(max(abs(pmin(pmax(hand, 0), 1) - ci)) < 1e-15)
  c(ci[1], ci[2])
}
cat("// R 4.2.2: suppressWarnings(prop.test(x, n, correct = FALSE))$conf.int\n")
cat("// (x, n, low, high)\n")
for (c in list(c(7, 20), c(0, 15), c(15, 15), c(1, 1), c(0, 1), c(13, 40), c(150, 300),
               c(289, 300), c(1, 1000), c(2999, 3000))) {
  w <- wilson(c[1], c[2])
  cat(sprintf("(%d, %d, %s),\n", c[1], c[2], num(w)))
}

# Risk comparison: Newcombe hybrid score (method 10), Katz log RR, NNT, Fisher.
compare <- function(x1, n1, x2, n2) {
  p1 <- x1 / n1; p2 <- x2 / n2; d <- p1 - p2
  w1 <- wilson(x1, n1); w2 <- wilson(x2, n2)
  lo <- d - sqrt((p1 - w1[1])^2 + (w2[2] - p2)^2)
  hi <- d + sqrt((w1[2] - p1)^2 + (p2 - w2[1])^2)
  zero_cell <- any(c(x1, n1 - x1, x2, n2 - x2) == 0)
  rr <- if (x2 > 0) p1 / p2 else NaN
  rr_ci <- if (zero_cell) c(NaN, NaN) else
    exp(log(p1 / p2) + c(-1, 1) * z * sqrt(1 / x1 - 1 / n1 + 1 / x2 - 1 / n2))
  nnt <- 1 / d
  if (lo > 0 || hi < 0) {
    nnt_ci <- sort(1 / c(lo, hi)); lim <- c(NaN, NaN)
  } else {
    nnt_ci <- c(NaN, NaN); lim <- c(1 / hi, 1 / abs(lo))
  }
  fp <- fisher.test(matrix(c(x1, n1 - x1, x2, n2 - x2), 2))$p.value
  c(d, lo, hi, rr, rr_ci, nnt, nnt_ci, lim, fp)
}
cat("// R 4.2.2: p1 - p2, Newcombe low/high, RR and its CI, 1/rd, NNT CI, Altman benefit/harm\n")
cat("// limits, fisher.test(matrix(c(x1, n1 - x1, x2, n2 - x2), 2))$p.value (see compare())\n")
cases <- list(c(12, 30, 5, 28), c(5, 40, 20, 40), c(7, 20, 7, 20), c(0, 15, 4, 16),
              c(15, 15, 9, 14), c(0, 10, 0, 12), c(10, 10, 12, 12), c(3, 8, 1, 9), c(1, 2, 0, 3),
              c(150, 300, 120, 300), c(200, 300, 100, 300), c(300, 300, 0, 300),
              c(1600, 3000, 1500, 3000), c(9, 25, 14, 25), c(4, 11, 1, 2))
for (c in cases) {
  v <- compare(c[1], c[2], c[3], c[4])
  cat(sprintf("((%d, %d, %d, %d), [%s]),\n", c[1], c[2], c[3], c[4], num(v)))
}

# Fisher tables where R's relErr fuzz decides (found by searching all tables up to n = 150 in
# fisher.test's own parameterisation): exact ties that floating point puts just above the
# observed table, and (20/58 vs 40/146) a table whose probability is genuinely larger by a
# factor 1 + 8.4e-8 (checked with exact rational arithmetic) yet inside the fuzz. Without the
# fuzz (relErr = 1) the p-value would be smaller.
cat("// R 4.2.2: fisher.test(matrix(c(x1, n1 - x1, x2, n2 - x2), 2))$p.value, and the p-value\n")
cat("// without the fuzz (relErr = 1)\n")
nofuzz <- function(x1, n1, x2, n2) {
  m <- n1; n <- n2; k <- x1 + x2; lo <- max(0, k - n); hi <- min(k, m); s <- lo:hi
  l <- dhyper(s, m, n, k, log = TRUE); d <- exp(l - max(l)); d <- d / sum(d)
  sum(d[d <= d[x1 - lo + 1]])
}
for (c in list(c(1, 3, 10, 14), c(4, 6, 3, 8), c(2, 6, 1, 11), c(0, 2, 3, 8), c(2, 2, 5, 12),
               c(20, 58, 40, 146), c(14, 58, 46, 146), c(3, 10, 7, 10), c(10, 25, 15, 25))) {
  fp <- fisher.test(matrix(c(c[1], c[2] - c[1], c[3], c[4] - c[3]), 2))$p.value
  cat(sprintf("((%d, %d, %d, %d), %s, %s),\n", c[1], c[2], c[3], c[4], num(fp),
              num(nofuzz(c[1], c[2], c[3], c[4]))))
}

# Differential dropout: chisq.test(correct = FALSE) on the 2 x k table (k >= 3 arms).
cat("// R 4.2.2: r <- chisq.test(rbind(comp, rand - comp), correct = FALSE)\n")
cat("// c(r$statistic, r$parameter, r$p.value)\n")
for (c in list(list(c(27, 25, 29), c(30, 30, 30)), list(c(90, 80, 95), c(100, 100, 100)),
               list(c(10, 20, 30, 12), c(15, 25, 31, 20)), list(c(5, 0, 7), c(5, 6, 7)),
               list(c(280, 240, 270), c(300, 300, 300)))) {
  comp <- c[[1]]; rand <- c[[2]]
  r <- suppressWarnings(chisq.test(rbind(comp, rand - comp), correct = FALSE))
  cat(sprintf("(&[%s], &[%s], [%s]),\n", paste(comp, collapse = ", "),
              paste(rand, collapse = ", "), num(c(r$statistic, r$parameter, r$p.value))))
}
r <- suppressWarnings(chisq.test(rbind(c(30, 30, 30), c(0, 0, 0)), correct = FALSE))
cat("// no dropout at all:", num(c(r$statistic, r$parameter, r$p.value)), "\n")
cat("// R 4.2.2: fisher.test(rbind(comp, rand - comp))$p.value\n")
for (c in list(list(c(27, 25), c(30, 30)), list(c(30, 30), c(30, 30)), list(c(20, 8), c(30, 30)))) {
  comp <- c[[1]]; rand <- c[[2]]
  cat(sprintf("(&[%s], &[%s], %s),\n", paste(comp, collapse = ", "),
              paste(rand, collapse = ", "), num(fisher.test(rbind(comp, rand - comp))$p.value)))
}
