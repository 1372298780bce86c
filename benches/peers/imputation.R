#!/usr/bin/env Rscript
# imputation.R: the base-R + nlme peer of retrotrial's imputation benches (issue 17;
# benches/stats.rs `condmean_j2r_jackknife_300x4` and `tipping_21_bayes_m100_300x4`).
# rbmi is not in Debian, so this is the same algorithm written with nlme and base R:
#   (a) conditional-mean J2R with the jackknife: gls(corSymm + varIdent) on the observed data,
#       conditional means by matrix algebra, lm at the last visit; 1 + n refits;
#   (b) Bayesian MI under MAR, M = 100 imputations of 20 data-augmentation steps each (draws of
#       Sigma from its inverse-Wishart posterior by stats::rWishart, B given Sigma), then the
#       delta-adjusted ANCOVA pooled by Rubin's rules at 21 shifts.
# The data follow the bench's generator (3 arms, 300 x 4, ~15 % dropout, 3 % gaps) with R's RNG.
#
#   Rscript benches/peers/imputation.R [--jackknife-refits K]
# prints the wall time of each part; with K < n it times K refits and scales to n + 1.

suppressPackageStartupMessages(library(nlme))
set.seed(42)
args <- commandArgs(trailingOnly = TRUE)
K <- if (length(args) == 2 && args[1] == "--jackknife-refits") as.integer(args[2]) else NA

n <- 300; V <- 4
arm <- c("backward", "forward", "control")[(seq_len(n) - 1) %% 3 + 1]
base <- 6 + 1.2 * rnorm(n)
y <- matrix(NA_real_, n, V)
for (i in seq_len(n)) {
  e <- rnorm(1)
  drop <- if (runif(1) < 0.15) sample(1:3, 1) else 4
  for (v in seq_len(V)) {
    e <- 0.6 * e + 0.8 * rnorm(1)
    a <- match(arm[i], c("backward", "forward", "control")) - 1
    x <- 1.5 + 0.7 * base[i] - 0.15 * (3 - a) * v + e
    gap <- v < V && runif(1) < 0.03
    if (v <= drop && !gap) y[i, v] <- x
  }
}
arms <- c("backward", "forward", "control")
ref <- "forward"
ctrl <- glsControl(opt = "optim", optimMethod = "BFGS", msTol = 1e-15, msMaxIter = 10000L)

fit_mmrm <- function(keep) {
  long <- do.call(rbind, lapply(seq_len(V), function(v) data.frame(
    id = which(keep), arm = arm[keep], baseline = base[keep], tp = v, value = y[keep, v])))
  long <- long[!is.na(long$value), ]
  long <- long[order(long$id, long$tp), ]
  long$timepoint <- factor(long$tp, levels = seq_len(V))
  long$arm <- factor(long$arm, levels = c(ref, setdiff(arms, ref)))
  fit <- gls(value ~ baseline * timepoint + arm * timepoint, data = long,
             correlation = corSymm(form = ~ tp | id), weights = varIdent(form = ~ 1 | timepoint),
             method = "REML", control = ctrl)
  rho <- coef(fit$modelStruct$corStruct, unconstrained = FALSE)
  R <- diag(V); R[lower.tri(R)] <- rho; R[upper.tri(R)] <- t(R)[upper.tri(R)]
  d <- coef(fit$modelStruct$varStruct, unconstrained = FALSE, allCoef = TRUE)[as.character(1:V)]
  list(fit = fit, S = fit$sigma^2 * outer(d, d) * R, levels = levels(long$arm))
}

means <- function(m, a, b) {
  nd <- data.frame(baseline = b, timepoint = factor(1:V, levels = 1:V), arm = factor(a, levels = m$levels))
  as.numeric(predict(m$fit, newdata = nd))
}

j2r_estimate <- function(keep) {
  m <- fit_mmrm(keep)
  yl <- y[, V]
  for (i in which(keep & is.na(y[, V]))) {
    obs <- which(!is.na(y[i, ])); miss <- which(is.na(y[i, ]))
    mu <- means(m, arm[i], base[i])
    if (arm[i] != ref) {
      r <- means(m, ref, base[i]); last <- if (length(obs)) max(obs) else 0
      mu[seq_len(V) > last] <- r[seq_len(V) > last]
    }
    cm <- mu[miss]
    if (length(obs)) cm <- cm + m$S[miss, obs, drop = FALSE] %*% solve(m$S[obs, obs, drop = FALSE], y[i, obs] - mu[obs])
    yl[i] <- cm[length(cm)]
  }
  d <- data.frame(y = yl, b = base, a = factor(arm, levels = arms))[keep, ]
  cf <- coef(lm(y ~ a + b, data = d)); -cf["aforward"]
}

t0 <- proc.time()[["elapsed"]]
full <- j2r_estimate(rep(TRUE, n))
refits <- if (is.na(K)) n else min(K, n)
jack <- sapply(seq_len(refits), function(j) { k <- rep(TRUE, n); k[j] <- FALSE; j2r_estimate(k) })
ta <- proc.time()[["elapsed"]] - t0
ta_full <- ta * (n + 1) / (refits + 1)

# (b) Bayesian MI under MAR by data augmentation, then the tipping grid.
t0 <- proc.time()[["elapsed"]]
Z <- cbind(1, base - mean(base), arm == "backward", arm == "control")
q <- ncol(Z); ZtZi <- solve(crossprod(Z)); C <- t(chol(ZtZi))
m0 <- fit_mmrm(rep(TRUE, n))
fill <- function(Y, B, S, draw) {
  for (i in which(rowSums(is.na(y)) > 0)) {
    obs <- which(!is.na(y[i, ])); miss <- which(is.na(y[i, ]))
    mu <- drop(Z[i, ] %*% B)
    cm <- mu[miss]; cv <- S[miss, miss, drop = FALSE]
    if (length(obs)) {
      A <- S[miss, obs, drop = FALSE] %*% solve(S[obs, obs, drop = FALSE])
      cm <- cm + A %*% (Y[i, obs] - mu[obs]); cv <- cv - A %*% S[obs, miss, drop = FALSE]
    }
    Y[i, miss] <- cm + if (draw) t(chol(cv)) %*% rnorm(length(miss)) else 0
  }
  Y
}
B0 <- solve(crossprod(Z), crossprod(Z, ifelse(is.na(y), 0, y)))  # start, refined below
Y0 <- fill(ifelse(is.na(y), 0, y), B0, m0$S, FALSE)
draw_pars <- function(Y) {
  Bh <- ZtZi %*% crossprod(Z, Y); E <- Y - Z %*% Bh
  W <- rWishart(1, n - q, solve(crossprod(E)))[, , 1]
  S <- solve(W)
  list(B = Bh + C %*% matrix(rnorm(q * V), q, V) %*% chol(S), S = S)
}
imps <- lapply(1:100, function(k) {
  Y <- Y0
  for (s in 1:20) { p <- draw_pars(Y); Y <- fill(Y, p$B, p$S, TRUE) }
  p <- draw_pars(Y); fill(Y, p$B, p$S, TRUE)[, V]
})
miss_b <- is.na(y[, V]) & arm == "backward"
grid <- seq(0, 2, length.out = 21)
tip <- sapply(grid, function(delta) {
  est <- sapply(imps, function(yl) {
    yl[miss_b] <- yl[miss_b] + delta
    f <- lm(yl ~ factor(arm, levels = arms) + base)
    c(-coef(f)[2], vcov(f)[2, 2])
  })
  qbar <- mean(est[1, ]); ubar <- mean(est[2, ]); b <- var(est[1, ])
  c(qbar, sqrt(ubar + 1.01 * b))
})
tb <- proc.time()[["elapsed"]] - t0

cat(sprintf("condmean_j2r_jackknife_300x4: %.2f s (%d of %d refits timed, scaled: %.2f s)\n",
            ta, refits + 1, n + 1, ta_full))
cat(sprintf("tipping_21_bayes_m100_300x4: %.2f s\n", tb))
