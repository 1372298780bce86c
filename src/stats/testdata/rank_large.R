num <- function(v) paste(sprintf("%.17g", v), collapse = ", ")
i <- 1:300; j <- 1:280
x <- ((i * 7919) %% 21) - 10; y <- ((j * 104729) %% 19) - 8
r <- wilcox.test(x, y, conf.int = TRUE); cat("MWINT", num(c(r$statistic, r$p.value, r$estimate, r$conf.int)), "\n")
xd <- (((i * 7919) %% 1001) - 480) / 100; yd <- (((j * 104729) %% 997) - 500) / 100
r <- wilcox.test(xd, yd, conf.int = TRUE); cat("MWDEC", num(c(r$statistic, r$p.value, r$estimate, r$conf.int)), "\n")
k <- 1:500; d <- ((k * 7919) %% 23) - 12
r <- wilcox.test(d, conf.int = TRUE); cat("SRINT", num(c(r$statistic, r$p.value, r$estimate, r$conf.int)), "\n")
dd <- (((k * 104729) %% 2003) - 900) / 100
r <- wilcox.test(dd, conf.int = TRUE); cat("SRDEC", num(c(r$statistic, r$p.value, r$estimate, r$conf.int)), "\n")
