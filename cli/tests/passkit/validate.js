// Reads .pkpass files that `loyalty card export-pkpass` wrote and checks them with a third-party
// implementation: npm `passkit-generator` (pinned in tests/setup.sh). The zip is read with Node's
// own zlib, the manifest hashes with Node's crypto; passkit-generator then loads the files (its
// Joi schemas validate pass.json: an invalid one is dropped with a warning), exposes the store
// card's fields and barcodes, and builds and signs a new pass from them with throwaway
// certificates (its own manifest and PKCS #7 signature through node-forge).
//
// usage: node validate.js SPEC.json    (SPEC: {certs: {wwdr, signerCert, signerKey}, passes: [...]})
// Prints one line per check and "Passkit: N passed, N failed"; exits 1 when a check failed.
"use strict";

const fs = require("node:fs");
const zlib = require("node:zlib");
const crypto = require("node:crypto");
const { PKPass } = require("passkit-generator");

let passed = 0;
let failed = 0;
function check(name, fn) {
	try {
		const detail = fn();
		passed += 1;
		console.log(`ok - ${name}${detail ? ` (${detail})` : ""}`);
	} catch (err) {
		failed += 1;
		console.log(`not ok - ${name}: ${err && err.message ? err.message : err}`);
	}
}
function assert(cond, message) {
	if (!cond) throw new Error(message);
}
function equal(actual, expected, what) {
	const a = JSON.stringify(actual);
	const e = JSON.stringify(expected);
	assert(a === e, `${what}: expected ${e}, got ${a}`);
}

/** The entries of a zip archive (stored or deflated), CRC-checked. */
function unzip(buf) {
	let eocd = -1;
	for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
		if (buf.readUInt32LE(i) === 0x06054b50) {
			eocd = i;
			break;
		}
	}
	assert(eocd >= 0, "no end of central directory: not a zip archive");
	const count = buf.readUInt16LE(eocd + 10);
	let p = buf.readUInt32LE(eocd + 16);
	const files = {};
	for (let n = 0; n < count; n++) {
		assert(buf.readUInt32LE(p) === 0x02014b50, "bad central directory entry");
		const method = buf.readUInt16LE(p + 10);
		const crc = buf.readUInt32LE(p + 16);
		const compressed = buf.readUInt32LE(p + 20);
		const size = buf.readUInt32LE(p + 24);
		const nameLen = buf.readUInt16LE(p + 28);
		const extraLen = buf.readUInt16LE(p + 30);
		const commentLen = buf.readUInt16LE(p + 32);
		const local = buf.readUInt32LE(p + 42);
		const name = buf.toString("utf8", p + 46, p + 46 + nameLen);
		assert(buf.readUInt32LE(local) === 0x04034b50, `bad local header for ${name}`);
		const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
		const raw = buf.subarray(start, start + compressed);
		let data;
		if (method === 0) data = Buffer.from(raw);
		else if (method === 8) data = zlib.inflateRawSync(raw);
		else throw new Error(`${name}: unsupported compression method ${method}`);
		assert(data.length === size, `${name}: size ${data.length}, directory says ${size}`);
		if (typeof zlib.crc32 === "function") {
			assert(zlib.crc32(data) >>> 0 === crc, `${name}: CRC mismatch`);
		}
		files[name] = data;
		p += 46 + nameLen + extraLen + commentLen;
	}
	return files;
}

/** Runs fn with console.warn captured; returns [result, warnings]. */
function capturingWarnings(fn) {
	const warnings = [];
	const original = console.warn;
	console.warn = (...args) => warnings.push(args.map(String).join(" "));
	try {
		return [fn(), warnings];
	} finally {
		console.warn = original;
	}
}

function sha1(data) {
	return crypto.createHash("sha1").update(data).digest("hex");
}

function validatePass(spec, certs) {
	const label = spec.file.split("/").pop();
	const bytes = fs.readFileSync(spec.file);
	let files;
	check(`${label}: zip archive reads with Node's zlib`, () => {
		files = unzip(bytes);
		for (const f of ["pass.json", "manifest.json", "icon.png", "icon@2x.png"]) {
			assert(files[f], `${f} missing`);
		}
		return Object.keys(files).join(", ");
	});
	if (!files) return;
	const passJson = JSON.parse(files["pass.json"].toString("utf8"));

	check(`${label}: manifest lists every file with its SHA-1`, () => {
		const manifest = JSON.parse(files["manifest.json"].toString("utf8"));
		const expected = Object.keys(files)
			.filter((f) => f !== "manifest.json" && f !== "signature")
			.sort();
		equal(Object.keys(manifest).sort(), expected, "manifest entries");
		for (const f of expected) equal(manifest[f], sha1(files[f]), `SHA-1 of ${f}`);
	});

	check(`${label}: signature ${spec.signed ? "present" : "absent (unsigned export)"}`, () => {
		equal(Boolean(files.signature), spec.signed, "signature present");
	});

	let pass;
	check(`${label}: passkit-generator loads it as a storeCard without warnings`, () => {
		const buffers = {};
		for (const [name, data] of Object.entries(files)) buffers[name] = data;
		const [p, warnings] = capturingWarnings(() => new PKPass(buffers, certs));
		assert(warnings.length === 0, `warnings: ${warnings.join(" | ")}`);
		equal(p.type, "storeCard", "pass type");
		pass = p;
	});
	if (!pass) return;

	check(`${label}: every top-level key survives passkit-generator's schema`, () => {
		const props = pass.props;
		const known = Object.keys(passJson).filter((k) => k !== "storeCard");
		const dropped = known.filter((k) => !(k in props));
		assert(dropped.length === 0, `dropped by the schema: ${dropped.join(", ")}`);
		for (const k of ["serialNumber", "passTypeIdentifier", "teamIdentifier", "organizationName", "description"]) {
			equal(props[k], passJson[k], k);
		}
	});

	check(`${label}: barcode ${spec.barcodeFormat} "${spec.message}"`, () => {
		const barcodes = pass.props.barcodes;
		assert(Array.isArray(barcodes) && barcodes.length === 1, "one barcode expected");
		equal(barcodes[0].format, spec.barcodeFormat, "format");
		equal(barcodes[0].message, spec.message, "message");
		equal(barcodes[0].messageEncoding, spec.messageEncoding, "messageEncoding");
	});

	check(`${label}: store card fields`, () => {
		equal(pass.primaryFields.length, 1, "primary fields");
		equal(pass.primaryFields[0].key, spec.primaryKey, "primary key");
		equal(pass.primaryFields[0].value, spec.primaryValue, "primary value");
		assert(pass.secondaryFields.length >= 1, "a secondary field");
	});

	check(`${label}: passkit-generator builds and signs a pass from it`, () => {
		const [out, warnings] = capturingWarnings(() => pass.getAsBuffer());
		assert(warnings.length === 0, `warnings: ${warnings.join(" | ")}`);
		const rebuilt = unzip(out);
		assert(rebuilt.signature && rebuilt.signature.length > 0, "no signature in the rebuilt pass");
		const again = JSON.parse(rebuilt["pass.json"].toString("utf8"));
		equal(again.storeCard.primaryFields, passJson.storeCard.primaryFields, "primaryFields");
		equal(again.barcodes, passJson.barcodes, "barcodes");
		equal(again.serialNumber, passJson.serialNumber, "serialNumber");
		return `${out.length} bytes`;
	});
}

function main() {
	const specPath = process.argv[2];
	if (!specPath) {
		console.error("usage: node validate.js SPEC.json");
		process.exit(2);
	}
	const spec = JSON.parse(fs.readFileSync(specPath, "utf8"));
	const certs = {
		wwdr: fs.readFileSync(spec.certs.wwdr, "utf8"),
		signerCert: fs.readFileSync(spec.certs.signerCert, "utf8"),
		signerKey: fs.readFileSync(spec.certs.signerKey, "utf8"),
	};
	for (const p of spec.passes) validatePass(p, certs);
	// A damaged pass must be caught: a changed file no longer matches its manifest hash.
	check("a tampered pass.json is caught by the manifest check", () => {
		const files = unzip(fs.readFileSync(spec.passes[0].file));
		const manifest = JSON.parse(files["manifest.json"].toString("utf8"));
		const tampered = Buffer.from(files["pass.json"].toString("utf8").replace("formatVersion", "formatversion"));
		assert(manifest["pass.json"] !== sha1(tampered), "the hash did not change");
	});
	console.log(`Passkit: ${passed} passed, ${failed} failed`);
	process.exit(failed === 0 ? 0 : 1);
}

main();
