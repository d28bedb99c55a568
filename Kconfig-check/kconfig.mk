# kconfig.mk: build rules for the embedded kernel config requirements table.
# Include from the top Makefile after OUTPUT is set (OUTPUT := build). The
# table is generated, so src/kconfig.o must depend on the header, e.g.:
#   $(OUTPUT)/kconfig.o: $(OUTPUT)/kconfig_requirements.h

KCONFIG_REQ_TSV := Kconfig-check/requirements.tsv
KCONFIG_REQ_H := $(OUTPUT)/kconfig_requirements.h

# Write to a temporary file and move it into place only when the content
# changed, so an untouched table does not rebuild kconfig.o.
$(OUTPUT)/kconfig_requirements.h: Kconfig-check/requirements.tsv Kconfig-check/embed.sh
	@mkdir -p $(@D)
	$(Q)sh Kconfig-check/embed.sh $< > $@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
