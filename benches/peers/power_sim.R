# Peer of the simulated-power benchmark (issue 20): what an R user writes to estimate power by
# simulation, timed with the same workloads as `retrotrial power --simulate` and the criterion
# entries power_sim_* of benches/stats.rs.
#
#   (p1) 10,000 trials of 2 x 30 (change scores, compound symmetry, no dropout), Welch t.test
#   (p2) trials of 300 participants (3 arms x 100) x baseline + 2 visits with 5 % dropout per
#        visit, analysed with the MMRM as the golden script does (nlme::gls, corSymm + varIdent,
#        REML); R_MMRM_REPS trials (default 50) timed and scaled to 1,000
#
# Usage: Rscript benches/peers/power_sim.R [R_MMRM_REPS]
# Prints one line per workload: name, replicates, elapsed and CPU seconds, power.
suppressPackageStartupMessages(library(nlme))
args <- commandArgs(trailingOnly = TRUE)
mmrm_reps <- if (length(args) >= 1) as.integer(args[1]) else 50L

set.seed(1)
rho <- 0.5
t1 <- system.time({
  hits <- 0L
  for (r in seq_len(10000)) {
    s <- rnorm(60)
    base <- sqrt(rho) * s + sqrt(1 - rho) * rnorm(60)
    last <- sqrt(rho) * s + sqrt(1 - rho) * rnorm(60)
    ch <- 2 * (last - base) + rep(c(-1, 0), each = 30)
    hits <- hits + (t.test(ch[1:30], ch[31:60])$p.value < 0.05)
  }
})[c("elapsed", "user.self")]
cat(sprintf("p1_welch_10000_trials_2x30 10000 elapsed %.3f s (cpu %.3f s) power %.4f\n",
            t1[[1]], t1[[2]], hits / 10000))

sim_trial <- function() {
  n <- 300
  arm <- factor(rep(c("backward", "forward", "control"), each = 100),
                levels = c("forward", "backward", "control"))
  mu <- ifelse(arm == "backward", -1.5, ifelse(arm == "forward", -1, 0))
  s <- rnorm(n)
  y <- sapply(c(0, 0.5, 1), function(w) mu * w + 2 * (sqrt(0.6) * s + sqrt(0.4) * rnorm(n)))
  keep2 <- runif(n) >= 0.05
  keep3 <- keep2 & runif(n) >= 0.05
  d <- data.frame(id = rep(seq_len(n), 2), arm = rep(arm, 2), baseline = rep(y[, 1], 2),
                  value = c(y[, 2], y[, 3]), timepoint = factor(rep(c("week3", "week6"), each = n)),
                  tp_index = rep(1:2, each = n))
  d[c(keep2, keep3), ]
}
t2 <- system.time({
  hits <- 0L
  for (r in seq_len(mmrm_reps)) {
    d <- sim_trial()
    d <- d[order(d$id, d$tp_index), ]
    fit <- gls(value ~ baseline * timepoint + arm * timepoint, data = d,
               correlation = corSymm(form = ~ tp_index | id),
               weights = varIdent(form = ~ 1 | timepoint), method = "REML")
    # backward - forward at week6: the arm coefficient plus its week6 interaction.
    b <- coef(fit); V <- vcov(fit)
    L <- setNames(rep(0, length(b)), names(b))
    L["armbackward"] <- 1
    L["timepointweek6:armbackward"] <- 1
    est <- sum(L * b); se <- sqrt(drop(t(L) %*% V %*% L))
    hits <- hits + (2 * pnorm(-abs(est / se)) < 0.05)
  }
})[c("elapsed", "user.self")]
cat(sprintf("p2_mmrm_%d_trials_300 %d elapsed %.3f s (cpu %.3f s) power %.4f; scaled to 1,000: %.1f s elapsed, %.1f s cpu\n",
            mmrm_reps, mmrm_reps, t2[[1]], t2[[2]], hits / mmrm_reps,
            t2[[1]] / mmrm_reps * 1000, t2[[2]] / mmrm_reps * 1000))
