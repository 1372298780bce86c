#!/usr/bin/env Rscript
# consort.R: the R reference for retrotrial's CONSORT records of issue 19: `table1`, `harms`,
# `subgroup` and `subgroup_interaction` (layout documented on retrotrial's `results` module).
#
#   Rscript tests/golden/gen/consort.R INPUT.csv OUTPUT.json --harms HARMS.csv \
#       [--participants P.csv] [--categorical a,b] [--subgroups baseline_severity,sex,...]
#       [--cuts "age=65;bmi=25,30"]
#
# regenerate.sh runs it (only it) for the case `consort`, with the case's harms.csv.
#
# Base R only (tableone is not packaged for Debian 12): its formulas are written out.
#   table1     VARIABLE  ARM | overall   mean    mean; extra sd, n, n_missing, median, q1, q3
#                                                (mean, sd, median, quantile(type = 7))
#              VARIABLE  ARM:LEVEL       pct     100 * count / non-missing; extra n, count, n_missing
#              VARIABLE  A-B             smd     continuous (m1 - m2) / sqrt((v1 + v2) / 2), signed;
#                                                categorical: tableone's StdDiffMulti (Yang & Dalton
#                                                2012), sqrt(T' ginv(S) T), MASS::ginv
#              VARIABLE = OUTCOME@baseline (each outcome's baseline values), then the covariates
#   harms      harms     ARM   any_event | serious_event | fall: x/n, prop.test(x, n,
#                              correct = FALSE)$conf.int; extra n, participants, events
#              harms     A-B   risk_difference_*: p1 - p2, Newcombe hybrid score (method 10)
#                              from the Wilson limits; p = fisher.test(matrix(...))$p.value
#              n = everyone randomised (participants in the trial file); falls: terms
#              containing "fall" (any case)
#   subgroup   OUTCOME   A-B@VAR=LEVEL   t   within the level: lm(last ~ arm + baseline), arm
#                                            treatment-coded with the primary pair's contrast
#                                            from coef and vcov; extra se, n
#   subgroup_interaction OUTCOME VAR F   anova(lm(last ~ baseline + arm + sg),
#                                            lm(last ~ baseline + arm * sg)); df = Res.Df,
#                                            extra df1, df2, n, levels
#              baseline_severity: tertiles quantile(baseline, c(1/3, 2/3), type = 7) of the
#              outcome's complete cases, cut(right = TRUE), levels low/middle/high; numeric
#              covariates: cut at the median (or --cuts), labels "<=c", "(a,b]", ">c"
#              (sprintf("%.4f") without trailing zeros); droplevels.
#
# Ordering and pairs_of are analyze.R's / clinical.R's: HEADER, KNOWN_ARMS, KNOWN_OUTCOMES, csort,
# order_known_first, order_timepoints and pairs_of come from common.R, shared with them. It reads
# the trial file with read.csv directly (not common.R's read_trial). num and rec are its own (num
# as clinical.R's; rec as mmrm.R's, with no check on `extra`).

suppressPackageStartupMessages(library(jsonlite))
invisible(Sys.setlocale("LC_COLLATE", "C"))

# HEADER, KNOWN_ARMS, KNOWN_OUTCOMES, csort, order_known_first, order_timepoints, pairs_of:
# common.R, next to this script.
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1])), "common.R"))

args <- commandArgs(trailingOnly = TRUE)
opt <- function(name, default = NULL) {
  i <- which(args == name)
  if (length(i) == 0L) return(default)
  args[[i + 1L]]
}
pos <- args[!startsWith(args, "--") & !(seq_along(args) - 1L) %in% which(startsWith(args, "--"))]
if (length(pos) != 2L || is.null(opt("--harms"))) {
  stop("usage: consort.R INPUT.csv OUTPUT.json --harms HARMS.csv [options]")
}
input <- pos[[1]]; output <- pos[[2]]; harms_path <- opt("--harms")
participants_path <- opt("--participants")
categorical <- strsplit(opt("--categorical", ""), ",")[[1]]
subgroups <- strsplit(opt("--subgroups", "baseline_severity"), ",")[[1]]
cuts_opt <- list()
for (kv in strsplit(opt("--cuts", ""), ";")[[1]]) {
  p <- strsplit(kv, "=")[[1]]
  cuts_opt[[p[1]]] <- as.numeric(strsplit(p[2], ",")[[1]])
}

num <- function(x) {
  if (is.null(x) || length(x) == 0L) return(NA_real_)
  x <- unname(x)
  if (is.logical(x) && all(is.na(x))) return(NA_real_)
  if (is.numeric(x)) x[!is.finite(x)] <- NA
  x
}
rec <- function(outcome, analysis, contrast, statistic_name, statistic = NA, df = NA,
                p_value = NA, estimate = NA, ci_low = NA, ci_high = NA,
                extra = setNames(list(), character(0))) {
  list(outcome = outcome, analysis = analysis, contrast = contrast,
       statistic_name = statistic_name, statistic = num(statistic), df = num(df),
       p_value = num(p_value), estimate = num(estimate), ci_low = num(ci_low),
       ci_high = num(ci_high),
       extra = lapply(extra, function(v) if (is.character(v)) unname(v) else num(v)))
}

d <- read.csv(input, colClasses = c(rep("character", 4), "numeric"), na.strings = c("", "NA"))
stopifnot(identical(names(d), HEADER))
arms <- order_known_first(d$arm, KNOWN_ARMS)
outcomes <- order_known_first(d$outcome, KNOWN_OUTCOMES)
tps <- order_timepoints(d$timepoint)
last_tp <- tps[length(tps)]
people <- unique(d[, c("participant_id", "arm")])
people <- people[order(people$participant_id, method = "radix"), ]
arm_of <- setNames(people$arm, people$participant_id)
n_rand <- sapply(arms, function(a) sum(people$arm == a))
primary <- if (all(c("backward", "forward") %in% arms)) c("backward", "forward") else arms[1:2]
reference <- if ("forward" %in% arms) "forward" else arms[1]
records <- list()
add <- function(r) records[[length(records) + 1L]] <<- r

# ---- Table 1 -------------------------------------------------------------------------------
table1_numeric <- function(var, x, arm) {
  groups <- c(lapply(arms, function(a) x[arm == a]), list(x))
  labels <- c(arms, "overall")
  for (k in seq_along(groups)) {
    v <- groups[[k]]
    ok <- v[!is.na(v)]
    q <- if (length(ok)) quantile(ok, c(0.25, 0.75), type = 7) else c(NA, NA)
    add(rec(var, "table1", labels[k], "mean", statistic = mean(ok), estimate = mean(ok),
            extra = list(sd = if (length(ok) > 1) sd(ok) else NA, n = length(ok),
                         n_missing = sum(is.na(v)), median = median(ok), q1 = q[1], q3 = q[2])))
  }
  for (p in pairs_of(arms)) {
    a <- x[arm == p[1] & !is.na(x)]; b <- x[arm == p[2] & !is.na(x)]
    smd <- (mean(a) - mean(b)) / sqrt((var(a) + var(b)) / 2)
    add(rec(var, "table1", paste(p, collapse = "-"), "smd", statistic = smd, estimate = smd,
            extra = list(method = "continuous")))
  }
}
mv <- function(p) diag(p, nrow = length(p)) - outer(p, p)
std_diff_multi <- function(c1, c2) {
  p1 <- (c1 / sum(c1))[-1]; p2 <- (c2 / sum(c2))[-1]
  T <- p1 - p2; S <- (mv(p1) + mv(p2)) / 2
  sqrt(drop(t(T) %*% MASS::ginv(S) %*% T))
}
table1_categorical <- function(var, x, arm) {
  levels <- csort(x[!is.na(x)])
  groups <- c(lapply(arms, function(a) x[arm == a]), list(x))
  labels <- c(arms, "overall")
  counts <- list()
  for (k in seq_along(groups)) {
    v <- groups[[k]]
    ok <- v[!is.na(v)]
    cnt <- sapply(levels, function(l) sum(ok == l))
    counts[[k]] <- cnt
    for (l in levels) {
      add(rec(var, "table1", paste0(labels[k], ":", l), "pct",
              statistic = 100 * cnt[[l]] / length(ok), estimate = 100 * cnt[[l]] / length(ok),
              extra = list(n = length(ok), count = cnt[[l]], n_missing = sum(is.na(v)))))
    }
  }
  for (p in pairs_of(seq_along(arms))) {
    smd <- std_diff_multi(counts[[p[1]]], counts[[p[2]]])
    add(rec(var, "table1", paste(arms[p], collapse = "-"), "smd", statistic = smd,
            estimate = smd, extra = list(method = "yang_dalton")))
  }
}
for (o in outcomes) {
  b <- d[d$outcome == o & d$timepoint == "baseline", ]
  x <- b$value[match(people$participant_id, b$participant_id)]
  table1_numeric(paste0(o, "@baseline"), x, people$arm)
}
cov <- NULL
if (!is.null(participants_path)) {
  cov <- read.csv(participants_path, colClasses = "character", na.strings = c("", "NA"))
  cov <- cov[match(people$participant_id, cov$participant_id), ]
  for (v in setdiff(names(cov), "participant_id")) {
    if (v %in% categorical || anyNA(suppressWarnings(as.numeric(cov[[v]][!is.na(cov[[v]])])))) {
      table1_categorical(v, cov[[v]], people$arm)
    } else {
      cov[[v]] <- as.numeric(cov[[v]])
      table1_numeric(v, cov[[v]], people$arm)
    }
  }
}

# ---- Harms ---------------------------------------------------------------------------------
h <- read.csv(harms_path, colClasses = "character", na.strings = character(0))
h$serious <- tolower(h$serious) %in% c("yes", "y", "true", "1")
h$fall <- grepl("fall", tolower(h$term), fixed = TRUE)
h$arm <- arm_of[h$participant_id]
stopifnot(!anyNA(h$arm))
cats <- list(any_event = rep(TRUE, nrow(h)), serious_event = h$serious, fall = h$fall)
wilson <- function(x, n) {
  ci <- suppressWarnings(prop.test(x, n, correct = FALSE))$conf.int
  c(x / n, ci[1], ci[2])
}
x_of <- function(a, keep) length(unique(h$participant_id[h$arm == a & keep]))
for (a in arms) {
  for (cname in names(cats)) {
    keep <- cats[[cname]]
    x <- x_of(a, keep); w <- wilson(x, n_rand[[a]])
    extra <- list(n = n_rand[[a]], participants = x, events = sum(h$arm == a & keep))
    if (cname == "any_event") {
      mine <- h[h$arm == a, ]
      sev <- tolower(mine$severity)
      extra <- c(extra, list(events_mild = sum(sev == "mild"), events_moderate = sum(sev == "moderate"),
                             events_severe = sum(sev == "severe"), events_severity_unknown = sum(sev == ""),
                             events_related = sum(tolower(mine$related) %in% c("yes", "y", "true", "1"))))
    }
    add(rec("harms", "harms", a, cname, statistic = w[1], estimate = w[1], ci_low = w[2],
            ci_high = w[3], extra = extra))
  }
}
for (p in pairs_of(arms)) {
  for (cname in names(cats)) {
    keep <- cats[[cname]]
    x1 <- x_of(p[1], keep); x2 <- x_of(p[2], keep); n1 <- n_rand[[p[1]]]; n2 <- n_rand[[p[2]]]
    w1 <- wilson(x1, n1); w2 <- wilson(x2, n2)
    rd <- w1[1] - w2[1]
    lo <- rd - sqrt((w1[1] - w1[2])^2 + (w2[3] - w2[1])^2)
    hi <- rd + sqrt((w1[3] - w1[1])^2 + (w2[1] - w2[2])^2)
    pf <- fisher.test(matrix(c(x1, n1 - x1, x2, n2 - x2), 2))$p.value
    add(rec("harms", "harms", paste(p, collapse = "-"), paste0("risk_difference_", cname),
            statistic = rd, estimate = rd, ci_low = lo, ci_high = hi, p_value = pf,
            extra = list(n1 = n1, n2 = n2, participants1 = x1, participants2 = x2)))
  }
}

# ---- Subgroups -----------------------------------------------------------------------------
cut_label <- function(x) {
  s <- sub("0+$", "", sprintf("%.4f", x)); s <- sub("\\.$", "", s)
  if (s == "-0") "0" else s
}
cut_levels <- function(cuts) {
  out <- paste0("<=", cut_label(cuts[1]))
  if (length(cuts) > 1) for (i in 2:length(cuts)) out <- c(out, paste0("(", cut_label(cuts[i - 1]), ",", cut_label(cuts[i]), "]"))
  c(out, paste0(">", cut_label(cuts[length(cuts)])))
}
grouping <- function(var, cc) {
  if (var == "baseline_severity") {
    cuts <- if (!is.null(cuts_opt[[var]])) cuts_opt[[var]] else unname(quantile(cc$base, c(1/3, 2/3), type = 7))
    cuts <- unique(cuts)
    labels <- if (!is.null(cuts_opt[[var]])) cut_levels(cuts) else if (length(cuts) == 2) c("low", "middle", "high") else c("low", "high")
    return(droplevels(cut(cc$base, c(-Inf, cuts, Inf), labels = labels, right = TRUE)))
  }
  v <- cov[[var]][match(cc$participant_id, cov$participant_id)]
  if (is.numeric(v)) {
    cuts <- if (!is.null(cuts_opt[[var]])) cuts_opt[[var]] else median(cov[[var]], na.rm = TRUE)
    return(droplevels(cut(v, c(-Inf, cuts, Inf), labels = cut_levels(cuts), right = TRUE)))
  }
  droplevels(factor(v, levels = csort(v[!is.na(v)])))
}
for (o in outcomes) {
  d_o <- d[d$outcome == o, ]
  base <- d_o[d_o$timepoint == "baseline" & !is.na(d_o$value), c("participant_id", "arm", "value")]
  last <- d_o[d_o$timepoint == last_tp & !is.na(d_o$value), c("participant_id", "value")]
  names(base)[3] <- "base"; names(last)[2] <- "last"
  cc <- merge(base, last, by = "participant_id")
  cc <- cc[order(cc$participant_id, method = "radix"), ]
  for (var in subgroups) {
    cc$sg <- grouping(var, cc)
    cc2 <- cc[!is.na(cc$sg), ]
    pair <- paste(primary, collapse = "-")
    for (lev in levels(cc2$sg)) {
      s <- cc2[cc2$sg == lev, ]
      present <- arms[arms %in% s$arm]
      ref <- if (reference %in% present) reference else present[1]
      s$armf <- relevel(factor(s$arm, levels = present), ref = ref)
      fit <- lm(last ~ armf + base, data = s)
      cf <- coef(fit); V <- vcov(fit)
      cvec <- setNames(rep(0, length(cf)), names(cf))
      if (primary[1] != ref) cvec[paste0("armf", primary[1])] <- 1
      if (primary[2] != ref) cvec[paste0("armf", primary[2])] <- -1
      est <- sum(cvec * cf); se <- sqrt(drop(t(cvec) %*% V %*% cvec)); df <- fit$df.residual
      tt <- est / se; q <- qt(0.975, df)
      add(rec(o, "subgroup", paste0(pair, "@", var, "=", lev), "t", statistic = tt, df = df,
              p_value = 2 * pt(-abs(tt), df), estimate = est, ci_low = est - q * se,
              ci_high = est + q * se, extra = list(se = se, n = nrow(s), variable = var, level = lev)))
    }
    cc2$armf <- relevel(factor(cc2$arm, levels = arms[arms %in% cc2$arm]), ref = reference)
    red <- lm(last ~ base + armf + sg, data = cc2)
    full <- lm(last ~ base + armf * sg, data = cc2)
    stopifnot(!anyNA(coef(full)))
    a <- anova(red, full)
    add(rec(o, "subgroup_interaction", var, "F", statistic = a$F[2], df = a$Res.Df[2],
            p_value = a$`Pr(>F)`[2], extra = list(df1 = a$Df[2], df2 = a$Res.Df[2], n = nrow(cc2),
                                                   levels = nlevels(cc2$sg), contrast = pair)))
  }
}

json <- toJSON(records, auto_unbox = TRUE, digits = NA, na = "null", null = "null", pretty = TRUE)
writeLines(json, output, useBytes = TRUE)
