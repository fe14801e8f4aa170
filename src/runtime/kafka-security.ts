import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { Config } from '../config/config.ts';
import { PulseError, errorCodes } from '../shared/errors.ts';

/** TLS and SASL for the Kafka client, as @platformatic/kafka takes them. */
export interface KafkaSecurity {
  tls?: TlsOptions;
  sasl?: { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; username: string; password: string };
}

function readSetting(name: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    // The path is the operator's own setting; the file's contents never go into the message.
    throw new PulseError(errorCodes.CONFIG_INVALID, `${name}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
      cause: error,
    });
  }
}

/** The Kafka client's security options from PULSE_KAFKA_* (files read once, at start-up). */
export function kafkaSecurityFrom(config: Config): KafkaSecurity {
  const security: KafkaSecurity = {};
  if (config.PULSE_KAFKA_TLS || config.PULSE_KAFKA_CA_FILE !== undefined || config.PULSE_KAFKA_CERT_FILE !== undefined) {
    security.tls = {
      rejectUnauthorized: true,
      ...(config.PULSE_KAFKA_CA_FILE === undefined ? {} : { ca: readSetting('PULSE_KAFKA_CA_FILE', config.PULSE_KAFKA_CA_FILE) }),
      ...(config.PULSE_KAFKA_CERT_FILE === undefined ? {} : { cert: readSetting('PULSE_KAFKA_CERT_FILE', config.PULSE_KAFKA_CERT_FILE) }),
      ...(config.PULSE_KAFKA_KEY_FILE === undefined ? {} : { key: readSetting('PULSE_KAFKA_KEY_FILE', config.PULSE_KAFKA_KEY_FILE) }),
    };
  }
  const mechanism = config.PULSE_KAFKA_SASL_MECHANISM;
  if (mechanism !== undefined && config.PULSE_KAFKA_USERNAME !== undefined) {
    const password =
      config.PULSE_KAFKA_PASSWORD ??
      (config.PULSE_KAFKA_PASSWORD_FILE === undefined
        ? ''
        : (readSetting('PULSE_KAFKA_PASSWORD_FILE', config.PULSE_KAFKA_PASSWORD_FILE).split(/\r?\n/, 1)[0] ?? ''));
    if (password === '') throw new PulseError(errorCodes.CONFIG_INVALID, 'PULSE_KAFKA_PASSWORD_FILE: the file is empty');
    security.sasl = { mechanism, username: config.PULSE_KAFKA_USERNAME, password };
  }
  return security;
}
