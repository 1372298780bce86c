# Expected values of src/stats/meta/ (tests.rs) (R 4.2.2, metafor 3.8-1).
# Run: Rscript src/stats/testdata/meta.R
suppressMessages(library(metafor))
num <- function(v) paste(sprintf("%.17g", v), collapse = ", ")
ctl <- list(threshold = 1e-12, tol = 1e-13, maxiter = 10000)
# Eight heterogeneous studies, arm summaries (backward first).
s8 <- data.frame(
  n1 = c(12, 20, 15, 31, 9, 24, 18, 40), m1 = c(5.1, 3.2, 7.9, 4.4, 6.0, 2.8, 5.5, 3.9),
  sd1 = c(1.9, 1.1, 2.6, 1.7, 2.2, 0.9, 2.0, 1.4),
  n2 = c(11, 21, 14, 29, 10, 25, 17, 38), m2 = c(3.2, 3.0, 5.1, 4.3, 3.1, 2.9, 4.0, 3.2),
  sd2 = c(2.1, 1.2, 2.4, 1.6, 2.5, 1.0, 1.8, 1.5))
e8 <- escalc("SMD", m1i = m1, sd1i = sd1, n1i = n1, m2i = m2, sd2i = sd2, n2i = n2, data = s8)
md8 <- escalc("MD", m1i = m1, sd1i = sd1, n1i = n1, m2i = m2, sd2i = sd2, n2i = n2, data = s8)
cat("YI8", num(e8$yi), "\n"); cat("VI8", num(e8$vi), "\n")
cat("MDYI8", num(md8$yi), "\n"); cat("MDVI8", num(md8$vi), "\n")
# Six homogeneous studies (tau2 = 0, Q < df), given as yi/vi.
y6 <- c(0.21, 0.35, 0.28, 0.19, 0.33, 0.25); v6 <- c(0.041, 0.055, 0.032, 0.061, 0.047, 0.038)
# Two studies; three studies (the Egger minimum).
y2 <- c(0.62, 0.11); v2 <- c(0.090, 0.052)
y3 <- c(0.91, 0.35, 0.12); v3 <- c(0.150, 0.060, 0.021)
sets <- list(s8 = list(e8$yi, e8$vi), h6 = list(y6, v6), k2 = list(y2, v2), k3 = list(y3, v3))
fld <- function(f, p) c(f$beta[1], f$se[1], f$zval[1], f$pval[1], f$ci.lb[1], f$ci.ub[1],
  f$tau2, ifelse(is.na(f$se.tau2), NaN, f$se.tau2), f$I2, f$H2, f$QE, f$QEp, f$vt,
  ifelse(is.null(p$pi.lb), NaN, p$pi.lb), ifelse(is.null(p$pi.ub), NaN, p$pi.ub))
for (nm in names(sets)) {
  y <- sets[[nm]][[1]]; v <- sets[[nm]][[2]]
  for (m in c("FE", "DL", "REML", "PM")) for (tst in c("z", "knha")) {
    f <- suppressWarnings(rma(y, v, method = m, test = tst, control = ctl))
    cat("FIT", nm, m, tst, num(fld(f, predict(f))), "\n")
  }
  if (length(y) >= 3) {
    l <- leave1out(rma(y, v, method = "REML", control = ctl))
    for (i in seq_along(y)) cat("L1O", nm, i - 1, num(c(l$estimate[i], l$se[i], l$zval[i], l$pval[i],
      l$ci.lb[i], l$ci.ub[i], l$tau2[i], l$I2[i], l$H2[i], l$Q[i], l$Qp[i])), "\n")
    r <- regtest(rma(y, v, method = "REML", control = ctl))
    cat("EGGER", nm, num(c(r$zval, r$pval, r$est, r$fit$tau2, r$fit$beta[2], r$fit$se[1])), "\n")
  }
}
# Conversions (hand-coded formulas; Cochrane Handbook 6.5.2.2, Wan et al. 2014, Luo et al. 2018).
w <- 4 / (4 + 23^0.75)
cat("CONV", num(c(0.42 * sqrt(23), sqrt(23) * (3.9 - 1.1) / (2 * qt(0.975, 22)),
  (8 - 3) / (2 * qnorm((0.75 * 23 - 0.125) / (23 + 0.25))),
  (0.7 + 0.39 / 23) * (3 + 8) / 2 + (0.3 - 0.39 / 23) * 4.5,
  (15 - 1) / (2 * qnorm((23 - 0.375) / (23 + 0.25))),
  w * (1 + 15) / 2 + (1 - w) * 4.5)), "\n")
