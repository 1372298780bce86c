#!/usr/bin/env Rscript
# covariates.R: the R reference for `[analyses] covariates` in the ANCOVA and the conditional-mean
# estimand analyses (issue 18, item 4): records `ancova` and `mi_mar`, `mi_j2r`, `mi_cr`, `mi_cir`
# (`[missing] method = "condmean"`).
#
#   Rscript tests/golden/gen/covariates.R --make-participants   # datasets/golden/covariates/*.csv
#   Rscript tests/golden/gen/covariates.R INPUT.csv OUTPUT.json --study study.toml
#
# The study file gives [data] participants = "FILE.csv" (relative to the study file) and
# [analyses] covariates = [...]; a covariate is numeric when every value is a number, else a factor
# whose levels are those present among the model's participants in C-locale order (treatment
# coding, the first level the reference), as retrotrial's plan::covariate_columns.
#
# ANCOVA (every outcome; the last timepoint against the baseline, complete cases; reference arm
# `forward`, arm order backward, forward, control):
#   fit <- lm(last ~ baseline + <covariates> + arm)
#   pairs: contrasts of the arm coefficients with vcov(fit), t CI with qt(0.975, df.residual);
#   baseline slope: summary(fit)$coefficients["baseline", ];
#   adjusted means: emmeans(fit, "arm") (baseline and numeric covariates at their means over the
#   model rows, factors averaged with equal weights), checked against the explicit linfct;
#   arm F test: anova(lm(last ~ baseline + <covariates>), fit) (no interactions, so it is also
#   drop1(fit, test = "F"), the Type III test of arm, which is checked).
# Conditional mean (as imputation.R, with the covariates in both models; rbmi's vars$covariates):
#   1. gls(value ~ baseline * timepoint + arm * timepoint + <covariates>, corSymm + varIdent, REML,
#      tight control) on the observed post-baseline values of the participants with a baseline;
#   2. each participant's mean vector under the assumption by predict() at their baseline and
#      covariates (MAR, J2R, CR, CIR after the last observed visit; reference `forward`);
#   3. missing values = conditional means given the observed ones;
#   4. lm(y ~ baseline + <covariates> + arm) at the last visit on the completed data;
#   5. the jackknife by refitting without each participant: se = sqrt((n-1)/n sum (theta_j -
#      mean)^2), normal CI and p (rbmi's pool for the jackknife).

suppressPackageStartupMessages({
  library(jsonlite)
  library(nlme)
  library(emmeans)
})

invisible(Sys.setlocale("LC_COLLATE", "C"))
KNOWN_ARMS <- c("backward", "forward", "control")
REFERENCE <- "forward"
GLS_CONTROL <- glsControl(opt = "optim", optimMethod = "BFGS", msTol = 1e-15, msMaxIter = 10000L)
ASSUMPTIONS <- c(mi_mar = "mar", mi_j2r = "jump_to_reference", mi_cr = "copy_reference",
                 mi_cir = "copy_increments_from_reference")

# ---------------------------------------------------------------------------------------------
# The participants file of the two-arm cohort (deterministic; committed)
# ---------------------------------------------------------------------------------------------

make_participants <- function() {
  d <- read.csv("datasets/golden/mmrm/two_arm.csv", stringsAsFactors = FALSE)
  ids <- sort(unique(d$participant_id))
  set.seed(1801)
  p <- data.frame(participant_id = ids,
                  age = round(rnorm(length(ids), 64, 8)),
                  sex = sample(c("F", "M"), length(ids), replace = TRUE),
                  site = sample(c("north", "south", "west"), length(ids), replace = TRUE))
  dir.create("datasets/golden/covariates", showWarnings = FALSE)
  write.csv(p, "datasets/golden/covariates/two_arm_participants.csv", row.names = FALSE, quote = FALSE)
}

# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------

read_study <- function(path) {
  lines <- trimws(sub("#.*$", "", readLines(path)))
  cur <- ""
  opt <- list(participants = NULL, covariates = character(0))
  for (s in lines[nzchar(lines)]) {
    if (startsWith(s, "[")) { cur <- s; next }
    if (cur == "[data]" && startsWith(s, "participants")) {
      opt$participants <- file.path(dirname(path), sub("^participants\\s*=\\s*\"([^\"]*)\"$", "\\1", s))
    }
    if (cur == "[analyses]" && startsWith(s, "covariates")) {
      inner <- sub("^covariates\\s*=\\s*\\[(.*)\\]$", "\\1", s)
      opt$covariates <- gsub("\"", "", trimws(strsplit(inner, ",")[[1]]))
    }
  }
  opt
}

# Numeric when every value is a number, else character (a factor per model, see `factors`).
read_participants <- function(path, covs) {
  p <- read.csv(path, colClasses = "character")
  for (v in covs) {
    num <- suppressWarnings(as.numeric(p[[v]]))
    if (!anyNA(num)) p[[v]] <- num
  }
  p
}

# Factors with the levels present in these rows, C-locale order.
factors <- function(d, covs) {
  for (v in covs) if (is.character(d[[v]])) d[[v]] <- factor(d[[v]], levels = sort(unique(d[[v]])))
  d
}

arm_levels <- function(arms) c(REFERENCE, setdiff(arms, REFERENCE))

# ---------------------------------------------------------------------------------------------
# ANCOVA records
# ---------------------------------------------------------------------------------------------

rec <- function(outcome, analysis, contrast, name, statistic, df = NULL, p = NULL, estimate = NULL,
                ci = NULL, extra = list()) {
  list(outcome = outcome, analysis = analysis, contrast = contrast, statistic_name = name,
       statistic = statistic, df = df, p_value = p, estimate = estimate,
       ci_low = if (is.null(ci)) NULL else ci[1], ci_high = if (is.null(ci)) NULL else ci[2],
       extra = extra)
}

ancova_records <- function(d, outcome, covs, arms) {
  d$arm <- factor(d$arm, levels = arm_levels(arms))
  d <- factors(d, covs)
  rhs <- paste(c("baseline", covs), collapse = " + ")
  fit <- lm(as.formula(paste("last ~", rhs, "+ arm")), data = d)
  reduced <- lm(as.formula(paste("last ~", rhs)), data = d)
  stopifnot(!anyNA(coef(fit)))
  df <- df.residual(fit)
  V <- vcov(fit)
  b <- coef(fit)
  q <- qt(0.975, df)
  tstat <- function(l, contrast, extra) {
    est <- sum(l * b)
    se <- sqrt(drop(t(l) %*% V %*% l))
    rec(outcome, "ancova", contrast, "t", est / se, df, 2 * pt(-abs(est / se), df), est,
        est + c(-1, 1) * q * se, c(list(se = se, n = nrow(d)), extra))
  }
  ind <- function(a) {
    l <- setNames(numeric(length(b)), names(b))
    nm <- paste0("arm", a)
    if (nm %in% names(b)) l[nm] <- 1
    l
  }
  out <- list()
  for (i in seq_along(arms)) for (j in seq_along(arms)) if (i < j) {
    out[[length(out) + 1]] <- tstat(ind(arms[i]) - ind(arms[j]), paste0(arms[i], "-", arms[j]),
                                    list(reference_arm = REFERENCE))
  }
  lb <- setNames(numeric(length(b)), names(b)); lb["baseline"] <- 1
  out[[length(out) + 1]] <- tstat(lb, "baseline_slope", list())
  emm <- summary(emmeans(fit, "arm"))
  grid <- emmeans(fit, "arm")@linfct
  for (a in arms) {
    k <- which(as.character(emm$arm) == a)
    l <- grid[k, ]
    stopifnot(abs(sum(l * b) - emm$emmean[k]) < 1e-10, abs(sqrt(drop(t(l) %*% V %*% l)) - emm$SE[k]) < 1e-10)
    est <- sum(l * b)
    se <- sqrt(drop(t(l) %*% V %*% l))
    out[[length(out) + 1]] <- rec(outcome, "ancova", a, "adjusted_mean", est, df, NULL, est,
                                  est + c(-1, 1) * q * se, list(se = se, baseline_mean = mean(d$baseline)))
  }
  av <- anova(reduced, fit)
  d1 <- drop1(fit, test = "F")
  stopifnot(abs(d1["arm", "F value"] - av$F[2]) < 1e-9 * av$F[2])
  rss <- sum(residuals(fit)^2)
  out[[length(out) + 1]] <- rec(outcome, "ancova", "arm", "F", av$F[2], df, av$`Pr(>F)`[2],
                                extra = list(df1 = av$Df[2], df2 = df, rss = rss, sigma = sqrt(rss / df)))
  out
}

# ---------------------------------------------------------------------------------------------
# Conditional mean with a jackknife (imputation.R with covariates)
# ---------------------------------------------------------------------------------------------

gls_sigma <- function(fit, n_tp) {
  rho <- coef(fit$modelStruct$corStruct, unconstrained = FALSE)
  Rf <- diag(n_tp)
  Rf[lower.tri(Rf)] <- rho
  Rf[upper.tri(Rf)] <- t(Rf)[upper.tri(Rf)]
  delta <- coef(fit$modelStruct$varStruct, unconstrained = FALSE, allCoef = TRUE)
  delta <- delta[as.character(seq_len(n_tp))]
  S <- fit$sigma^2 * outer(delta, delta) * Rf
  dimnames(S) <- NULL
  S
}

# w: one row per participant with a baseline: participant_id, arm, baseline, covariates, v1..vT.
fit_mmrm <- function(w, n_tp, arms, covs) {
  long <- do.call(rbind, lapply(seq_len(n_tp), function(v) {
    x <- w[, c("participant_id", "arm", "baseline", covs), drop = FALSE]
    x$tp_index <- v
    x$value <- w[[paste0("v", v)]]
    x
  }))
  long <- long[!is.na(long$value), ]
  long <- long[order(long$participant_id, long$tp_index), ]
  long$timepoint <- factor(long$tp_index, levels = seq_len(n_tp))
  long$arm <- factor(long$arm, levels = arm_levels(arms))
  long <- factors(long, covs)
  form <- as.formula(paste("value ~ baseline * timepoint + arm * timepoint",
                           paste(c("", covs), collapse = " + ")))
  fit <- gls(form, data = long, correlation = corSymm(form = ~ tp_index | participant_id),
             weights = varIdent(form = ~ 1 | timepoint), method = "REML", control = GLS_CONTROL)
  levels <- lapply(setNames(covs, covs), function(v) levels(long[[v]]))
  list(fit = fit, sigma = gls_sigma(fit, n_tp), arm_levels = levels(long$arm), cov_levels = levels)
}

arm_means <- function(m, a, row, n_tp, covs) {
  nd <- data.frame(baseline = rep(row$baseline, n_tp),
                   timepoint = factor(seq_len(n_tp), levels = seq_len(n_tp)),
                   arm = factor(a, levels = m$arm_levels))
  for (v in covs) {
    nd[[v]] <- if (is.null(m$cov_levels[[v]])) row[[v]] else factor(row[[v]], levels = m$cov_levels[[v]])
  }
  as.numeric(predict(m$fit, newdata = nd))
}

impute <- function(w, m, assumption, n_tp, covs) {
  y <- as.matrix(w[, paste0("v", seq_len(n_tp))])
  for (i in seq_len(nrow(w))) {
    miss <- which(is.na(y[i, ]))
    if (length(miss) == 0) next
    obs <- which(!is.na(y[i, ]))
    own <- arm_means(m, w$arm[i], w[i, ], n_tp, covs)
    ref <- arm_means(m, REFERENCE, w[i, ], n_tp, covs)
    last <- if (length(obs)) max(obs) else 0
    mu <- own
    if (assumption != "mar" && w$arm[i] != REFERENCE) {
      after <- seq_len(n_tp) > last
      if (assumption == "copy_reference" || last == 0) {
        mu <- ref
      } else if (assumption == "jump_to_reference") {
        mu[after] <- ref[after]
      } else {
        mu[after] <- own[last] + ref[after] - ref[last]
      }
    }
    S <- m$sigma
    cm <- mu[miss]
    if (length(obs)) cm <- cm + S[miss, obs, drop = FALSE] %*% solve(S[obs, obs, drop = FALSE], y[i, obs] - mu[obs])
    y[i, miss] <- cm
  }
  y
}

ancova_pairs <- function(w, y_last, arms, covs) {
  d <- w[, c("baseline", covs), drop = FALSE]
  d$y <- y_last
  d$arm <- factor(w$arm, levels = arm_levels(arms))
  d <- factors(d, covs)
  cf <- coef(lm(as.formula(paste("y ~", paste(c("baseline", covs), collapse = " + "), "+ arm")), data = d))
  eff <- setNames(rep(0, length(arms)), arms)
  for (a in setdiff(arms, REFERENCE)) eff[a] <- cf[paste0("arm", a)]
  out <- c()
  for (i in seq_along(arms)) for (j in seq_along(arms)) if (i < j) out <- c(out, eff[i] - eff[j])
  unname(out)
}

condmean_records <- function(w, outcome, n_tp, arms, covs) {
  n <- nrow(w)
  m <- fit_mmrm(w, n_tp, arms, covs)
  full <- lapply(ASSUMPTIONS, function(a) ancova_pairs(w, impute(w, m, a, n_tp, covs)[, n_tp], arms, covs))
  jack <- lapply(ASSUMPTIONS, function(a) matrix(NA_real_, n, length(full[[1]])))
  for (j in seq_len(n)) {
    wj <- w[-j, ]
    mj <- fit_mmrm(wj, n_tp, arms, covs)
    for (k in seq_along(ASSUMPTIONS)) {
      jack[[k]][j, ] <- ancova_pairs(wj, impute(wj, mj, ASSUMPTIONS[k], n_tp, covs)[, n_tp], arms, covs)
    }
  }
  labels <- c()
  for (i in seq_along(arms)) for (j in seq_along(arms)) if (i < j) labels <- c(labels, paste0(arms[i], "-", arms[j]))
  out <- list()
  for (k in seq_along(ASSUMPTIONS)) for (p in seq_along(labels)) {
    est <- full[[k]][p]
    th <- jack[[k]][, p]
    se <- sqrt((n - 1) / n * sum((th - mean(th))^2))
    out[[length(out) + 1]] <- rec(outcome, names(ASSUMPTIONS)[k], labels[p], "z", est / se, NULL,
                                  2 * pnorm(-abs(est / se)), est, est + c(-1, 1) * qnorm(0.975) * se,
                                  list(se = se, n_participants = n))
  }
  out
}

# ---------------------------------------------------------------------------------------------

main <- function(input, output, study) {
  opt <- read_study(study)
  covs <- opt$covariates
  parts <- read_participants(opt$participants, covs)
  long <- read.csv(input, stringsAsFactors = FALSE)
  tps <- unique(long$timepoint)
  post <- setdiff(tps, "baseline")
  post <- post[order(as.numeric(sub("^[^0-9]*", "", post)))]
  arms <- KNOWN_ARMS[KNOWN_ARMS %in% long$arm]
  records <- list()
  for (outcome in unique(long$outcome)) {
    d <- long[long$outcome == outcome, ]
    ids <- sort(unique(d$participant_id))
    arm_of <- setNames(d$arm[match(ids, d$participant_id)], ids)
    value <- function(tp) {
      x <- d[d$timepoint == tp, ]
      setNames(x$value[match(ids, x$participant_id)], ids)
    }
    w <- data.frame(participant_id = ids, arm = unname(arm_of), baseline = unname(value("baseline")),
                    stringsAsFactors = FALSE)
    for (k in seq_along(post)) w[[paste0("v", k)]] <- unname(value(post[k]))
    for (v in covs) w[[v]] <- parts[[v]][match(ids, parts$participant_id)]
    w <- w[!is.na(w$baseline), ]
    # arm order of the data, as retrotrial's participant order within the ANCOVA does not matter
    cc <- w[!is.na(w[[paste0("v", length(post))]]), ]
    cc$last <- cc[[paste0("v", length(post))]]
    records <- c(records, ancova_records(cc, outcome, covs, arms))
    records <- c(records, condmean_records(w, outcome, length(post), arms, covs))
  }
  writeLines(toJSON(records, auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE), output)
}

args <- commandArgs(trailingOnly = TRUE)
if (length(args) == 1 && args[1] == "--make-participants") {
  make_participants()
} else if (length(args) == 4 && args[3] == "--study") {
  main(args[1], args[2], args[4])
} else {
  stop("usage: Rscript covariates.R --make-participants | INPUT.csv OUTPUT.json --study study.toml")
}
