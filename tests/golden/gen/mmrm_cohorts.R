#!/usr/bin/env Rscript
# mmrm_cohorts.R: writes the MMRM golden cohorts of issue 18 (datasets/golden/mmrm/*.csv) from a
# fixed seed; re-running gives identical files.
#
#   Rscript tests/golden/gen/mmrm_cohorts.R
#
# three_arm: arms backward (45) / forward (40) / control (33), baseline + week2, week4, week8,
#   week12; outcomes pain_nrs and quad_strength_kg; heterogeneous variances with AR-like
#   correlation (pain) and exchangeable correlation (strength); monotone dropout (~20 %) and
#   intermittent missing visits (~6 %).
# two_arm: arms backward (52) / forward (41), baseline + week4, week8, week12; outcome
#   womac_total; exchangeable correlation 0.5 plus noise (nearly compound symmetric), dropout
#   and intermittent missingness.
set.seed(20261206)

draw <- function(n_arm, arms, tps, outcome, sd, corr, effect, base_mean, dropout, skip) {
  V <- length(tps) - 1L
  S <- diag(sd) %*% corr %*% diag(sd)
  L <- t(chol(S))
  rows <- list()
  id <- 0L
  for (k in seq_along(arms)) for (i in seq_len(n_arm[k])) {
    id <- id + 1L
    pid <- sprintf("P%03d", id)
    b <- round(base_mean + rnorm(1, 0, sd[1]), 1)
    e <- drop(L %*% rnorm(V))
    y <- round(b * 0.6 + base_mean * 0.4 + effect[k] * seq_len(V) / V + e, 2)
    last <- V
    if (runif(1) < dropout) last <- sample(seq_len(V - 1L), 1)
    keep <- seq_len(V) <= last & !(runif(V) < skip & seq_len(V) < last)
    rows[[length(rows) + 1L]] <- data.frame(participant_id = pid, arm = arms[k],
      timepoint = tps, outcome = outcome, value = c(b, ifelse(keep, y, NA)))
  }
  d <- do.call(rbind, rows)
  d[!is.na(d$value), ]
}

ar <- function(V, rho) rho^abs(outer(1:V, 1:V, "-"))
cs <- function(V, rho) (1 - rho) * diag(V) + rho
tps4 <- c("baseline", "week2", "week4", "week8", "week12")
three <- rbind(
  draw(c(45, 40, 33), c("backward", "forward", "control"), tps4, "pain_nrs",
       sd = c(1.2, 1.4, 1.6, 1.9), corr = ar(4, 0.7), effect = c(-2.0, -1.2, -0.3),
       base_mean = 6, dropout = 0.2, skip = 0.06),
  draw(c(45, 40, 33), c("backward", "forward", "control"), tps4, "quad_strength_kg",
       sd = c(3, 3.2, 3.1, 3.5), corr = cs(4, 0.55), effect = c(3, 2, 0.5),
       base_mean = 25, dropout = 0.2, skip = 0.06))
tps3 <- c("baseline", "week4", "week8", "week12")
two <- draw(c(52, 41), c("backward", "forward"), tps3, "womac_total",
            sd = c(8, 9, 10), corr = cs(3, 0.5) + diag(c(0.05, -0.03, 0.02)),
            effect = c(-12, -8), base_mean = 45, dropout = 0.18, skip = 0.05)
dir.create("datasets/golden/mmrm", showWarnings = FALSE, recursive = TRUE)
write.csv(three, "datasets/golden/mmrm/three_arm.csv", row.names = FALSE, quote = FALSE)
write.csv(two, "datasets/golden/mmrm/two_arm.csv", row.names = FALSE, quote = FALSE)

# Participant covariates of three_arm (issue 18, [data] participants): age (numeric), sex and
# site (categorical); drawn after the outcomes so that the files above do not change.
ids <- sort(unique(three$participant_id))
parts <- data.frame(participant_id = ids, age = round(rnorm(length(ids), 62, 9)),
                    sex = sample(c("F", "M"), length(ids), replace = TRUE),
                    site = sample(c("north", "south", "west"), length(ids), replace = TRUE))
write.csv(parts, "datasets/golden/mmrm/three_arm_participants.csv", row.names = FALSE, quote = FALSE)
