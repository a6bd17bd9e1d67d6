// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt conform's results: a table for people, JSON (json-c) and JUnit
 * XML for CI (one testcase per check; a FAIL is a <failure> whose message
 * is the evidence, a SKIP is <skipped>).
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "conform.h"

void conform_print_table(FILE *f, const char *fw, const struct conform_check *c, unsigned int n)
{
	unsigned int i, counts[3] = { 0, 0, 0 };

	fprintf(f, "asvirt conform %s\n\n%-20s %-4s  %s\n", fw, "CHECK", "", "RULE (LINUX SOURCE)");
	for (i = 0; i < n; i++) {
		counts[c[i].result]++;
		fprintf(f, "%-20s %-4s  %s (%s)\n", c[i].id, conform_result_name(c[i].result),
			c[i].rule, c[i].source);
		if (c[i].evidence[0])
			fprintf(f, "%-20s       %s: %s\n", "",
				c[i].result == CONFORM_FAIL ? "evidence" : "why", c[i].evidence);
	}
	fprintf(f, "\n%u passed, %u failed, %u skipped\n", counts[CONFORM_PASS],
		counts[CONFORM_FAIL], counts[CONFORM_SKIP]);
}

int conform_print_json(FILE *f, const char *fw, const struct conform_check *c, unsigned int n)
{
	struct json_object *root = json_object_new_object(), *arr = json_object_new_array();
	unsigned int i, failed = 0;

	json_object_object_add(root, "firmware", json_object_new_string(fw));
	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "id", json_object_new_string(c[i].id));
		json_object_object_add(o, "rule", json_object_new_string(c[i].rule));
		json_object_object_add(o, "linux_source", json_object_new_string(c[i].source));
		json_object_object_add(o, "result",
				       json_object_new_string(conform_result_name(c[i].result)));
		json_object_object_add(
		    o, "evidence", c[i].evidence[0] ? json_object_new_string(c[i].evidence) : NULL);
		json_object_object_add(o, "seconds", cli_json_fixed(c[i].seconds, 3));
		json_object_array_add(arr, o);
		failed += c[i].result == CONFORM_FAIL;
	}
	json_object_object_add(root, "checks", arr);
	json_object_object_add(root, "failed", json_object_new_int((int)failed));
	fprintf(f, "%s\n", cli_json_text(root, 1));
	json_object_put(root);
	return 0;
}

/* @s as XML attribute text. */
static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '&')
			fputs("&amp;", f);
		else if (ch == '<')
			fputs("&lt;", f);
		else if (ch == '>')
			fputs("&gt;", f);
		else if (ch == '"')
			fputs("&quot;", f);
		else if (ch < 0x20 || ch >= 0x7f) /* XML 1.0 has no control characters */
			fputc('?', f);
		else
			fputc(ch, f);
	}
}

int conform_write_junit(const char *path, const char *fw, const struct conform_check *c,
			unsigned int n)
{
	unsigned int i, failed = 0, skipped = 0;
	double total = 0;
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	for (i = 0; i < n; i++) {
		failed += c[i].result == CONFORM_FAIL;
		skipped += c[i].result == CONFORM_SKIP;
		total += c[i].seconds;
	}
	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
		"  <testsuite name=\"asvirt conform\" tests=\"%u\" failures=\"%u\" errors=\"0\" "
		"skipped=\"%u\" time=\"%.3f\">\n",
		n, failed, skipped, total);
	fprintf(f, "    <properties><property name=\"firmware\" value=\"");
	xml_text(f, fw);
	fprintf(f, "\"/></properties>\n");
	for (i = 0; i < n; i++) {
		fprintf(f, "    <testcase classname=\"conform\" name=\"%s\" time=\"%.3f\">\n",
			c[i].id, c[i].seconds);
		if (c[i].result == CONFORM_FAIL) {
			fprintf(f, "      <failure type=\"%s\" message=\"", c[i].id);
			xml_text(f, c[i].evidence);
			fprintf(f, "\">rule: ");
			xml_text(f, c[i].rule);
			fprintf(f, "\nlinux: %s\n</failure>\n", c[i].source);
		} else if (c[i].result == CONFORM_SKIP) {
			fprintf(f, "      <skipped message=\"");
			xml_text(f, c[i].evidence);
			fprintf(f, "\"/>\n");
		}
		fprintf(f, "    </testcase>\n");
	}
	fprintf(f, "  </testsuite>\n</testsuites>\n");
	return fclose(f) ? -1 : 0;
}
